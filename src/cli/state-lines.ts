/** Lines that can wait a moment, and be dropped if they turn out to be news no more. */
export interface StateLines {
  /** Printed after the settle delay, in order, unless drop() comes first. */
  later(line: string): void;
  /** Printed now, after whatever is still waiting. */
  now(line: string): void;
  /** Forgets what is waiting. */
  drop(): void;
}

/**
 * A Ctrl-C at a terminal signals ssh too, and ssh may die a moment before we handle the signal
 * ourselves: the health probe then fails ('degraded') or the link drops ('reconnecting') because
 * the user is stopping the tunnel. Passing states wait `settleMs`, so such a line is dropped
 * when the stop follows, and the last states people see are true.
 */
export function stateLines(write: (line: string) => void, settleMs: number): StateLines {
  const waiting = new Map<NodeJS.Timeout, string>();
  const flush = () => {
    for (const [timer, line] of waiting) {
      clearTimeout(timer);
      write(line);
    }
    waiting.clear();
  };
  return {
    later(line) {
      const timer = setTimeout(() => {
        waiting.delete(timer);
        write(line);
      }, settleMs);
      waiting.set(timer, line);
    },
    now(line) {
      flush();
      write(line);
    },
    drop() {
      for (const timer of waiting.keys()) clearTimeout(timer);
      waiting.clear();
    },
  };
}
