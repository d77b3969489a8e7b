const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Spinner {
  start(text: string): void;
  /** Clears the spinner line; the caller then prints the outcome in its place. */
  stop(): void;
}

/** A one-line spinner, only for a terminal: a pipe or a log file gets no control characters. */
export function createSpinner(stream: NodeJS.WriteStream, enabled: boolean): Spinner {
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (timer === undefined) return;
    clearInterval(timer);
    timer = undefined;
    stream.write('\r\u001b[2K');
  };
  return {
    start(text) {
      stop();
      if (!enabled) return;
      let frame = 0;
      const draw = () => stream.write(`\r\u001b[2K${FRAMES[frame++ % FRAMES.length]} ${text}`);
      draw();
      timer = setInterval(draw, 80);
      // A spinner must never keep the process alive on its own.
      timer.unref();
    },
    stop,
  };
}
