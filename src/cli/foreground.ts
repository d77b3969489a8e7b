import type { Session } from '../api/up.js';
import type { TunnelError } from '../errors.js';
import { exitCodeFor, exitCodeForSignal } from './exit-codes.js';
import { stateLines } from './state-lines.js';
import { styleFor } from './style.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** How long a passing state waits before it is printed (see stateLines). */
const SETTLE_MS = 500;
const FINAL = new Set(['down', 'failed', 'needs-auth']);

export interface Foreground {
  /** Brings everything up; must honour the signal (a Ctrl-C while ssh is still starting). */
  open(signal: AbortSignal): Promise<Session>;
  /** Says what is up; runs synchronously between open and the steady-state handlers. */
  announce(session: Session): void;
  json: boolean;
}

/** What a start brought, or the signal that cut it short (its signal then aborted). */
export type Starting<T> =
  { value: T; caught: NodeJS.Signals | undefined } | { value: undefined; caught: NodeJS.Signals };

/**
 * Runs `start` with SIGINT, SIGTERM and SIGHUP turned into an abort of its signal (our handlers,
 * not the default exit, so what it started is taken down). The one copy for `up` and `up -d`.
 */
export async function abortOnSignals<T>(start: (signal: AbortSignal) => Promise<T>): Promise<Starting<T>> {
  const starting = new AbortController();
  let caught: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    caught = signal;
    starting.abort();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    const value = await start(starting.signal);
    return { value, caught };
  } catch (error) {
    if (caught !== undefined) return { value: undefined, caught };
    throw error;
  } finally {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  }
}

/**
 * Holds the foreground: signals are caught from before ssh starts until teardown ends, and
 * our handlers stay installed throughout, because execa's signal-exit hook re-raises a signal
 * (killing us mid-teardown) as soon as it sees no other listener.
 */
export async function runForeground(run: Foreground): Promise<number> {
  // Held until the very end: teardown (a preset's app, a job's scancel) runs after the
  // steady-state handlers are gone, and a signal then must not kill us halfway.
  const hold = () => undefined;
  for (const signal of SIGNALS) process.on(signal, hold);
  try {
    return await runHeld(run);
  } finally {
    for (const signal of SIGNALS) process.removeListener(signal, hold);
  }
}

async function runHeld(run: Foreground): Promise<number> {
  const started = await abortOnSignals((signal) => run.open(signal));
  if (started.value === undefined) return exitCodeForSignal(started.caught);
  const session = started.value;
  // A signal that came while open() was finishing: what it brought up goes down, nothing is announced.
  if (started.caught !== undefined) {
    await session.down();
    return exitCodeForSignal(started.caught);
  }
  run.announce(session);
  const tunnel = session.tunnel();
  // Probed before it was announced: a target that does not answer is said at once, not a second later.
  if (tunnel.state === 'degraded' && tunnel.lastError !== undefined)
    process.stderr.write(`degraded: ${tunnel.lastError.message}\n`);
  return stayUp(tunnel, run.json, session.ended, () =>
    session.down().catch((error: Error) => void process.stderr.write(`tunnel: ${error.message}\n`)),
  );
}

function stayUp(
  tunnel: ReturnType<Session['tunnel']>,
  json: boolean,
  ended: Promise<TunnelError> | undefined,
  stop: () => Promise<void>,
): Promise<number> {
  const style = styleFor(process.stderr);
  const lines = stateLines((line) => process.stderr.write(line), SETTLE_MS);
  return new Promise((resolve) => {
    let finishing = false;
    const finish = (code: number) => {
      if (finishing) return;
      finishing = true;
      lines.drop();
      void stop().then(() => {
        for (const signal of SIGNALS) process.removeListener(signal, onSignal);
        resolve(code);
      });
    };
    const onSignal = (signal: NodeJS.Signals) => finish(exitCodeForSignal(signal));
    void ended?.then((error) => {
      if (finishing) return;
      process.stderr.write(`tunnel: ${error.message}\n`);
      finish(exitCodeFor(error.code));
    });
    for (const signal of SIGNALS) process.on(signal, onSignal);
    tunnel.on('state', (state: string, error?: { message: string; code: Parameters<typeof exitCodeFor>[0] }) => {
      // Once we are stopping, ssh going away (killed by us, or by the terminal's own SIGINT) makes
      // probes fail and the link drop: 'degraded' or 'reconnecting' then would be false. Only 'down' is news.
      if (finishing && state !== 'down') return;
      const line = `${style.dim(new Date().toISOString())} ${state}${error ? `: ${error.message}` : ''}\n`;
      if (!json) {
        if (FINAL.has(state)) lines.now(line);
        else lines.later(line);
      }
      if ((state === 'failed' || state === 'needs-auth') && error) {
        if (json) process.stderr.write(`tunnel: ${error.message}\n`);
        finish(exitCodeFor(error.code));
      }
    });
  });
}
