import { TunnelError } from '../errors.js';
import type { Plan, ReadyMarker } from '../plan/types.js';
import { diagnose } from '../ssh/diagnose.js';
import { emptyProgress, readLine, type SshProgress } from '../ssh/progress.js';
import type { ExitInfo, SpawnSsh, SshProcess } from '../ssh/process.js';

/** One ssh process that reached readiness. */
export interface ReadyAttempt {
  process: SshProcess;
  progress(): SshProgress;
  /** Resolves with the reason once the process is gone, whoever ended it. */
  ended: Promise<TunnelError>;
}

export interface AttemptOptions {
  spawn: SpawnSsh;
  readyTimeoutMs: number;
  signal?: AbortSignal | undefined;
  onLine?: ((line: string) => void) | undefined;
}

/** Starts the plan's tunnel ssh and resolves once OpenSSH reports every marker; rejects with the diagnosed failure. */
export async function startAttempt(plan: Plan, options: AttemptOptions): Promise<ReadyAttempt> {
  const { tunnel } = plan;
  const process = options.spawn(tunnel.argv, { keepStdinOpen: plan.strategy === 'relay' });
  let progress = emptyProgress();
  let notifyProgress: () => void = () => {};
  process.onLine((line, stream) => {
    progress = readLine(progress, line, stream);
    options.onLine?.(line);
    notifyProgress();
  });
  const facts = (exit: ExitInfo) => ({ argv: tunnel.argv, hop: tunnel.hop, ...exit });
  const ended = process.exited.then((exit) => diagnose(progress, facts(exit)));
  const ready = new Promise<void>((resolve) => {
    notifyProgress = () => {
      if (isReady(progress, tunnel.ready, tunnel.listeners)) resolve();
    };
  });
  try {
    await raceReady(ready, ended, options);
    return { process, progress: () => progress, ended };
  } catch (error) {
    await process.stop();
    throw error;
  }
}

async function raceReady(ready: Promise<void>, ended: Promise<TunnelError>, options: AttemptOptions): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TunnelError(
            'READY_TIMEOUT',
            `not ready after ${options.readyTimeoutMs / 1000} s; check the hops with 'tunnel doctor' or raise --ready-timeout`,
          ),
        ),
      options.readyTimeoutMs,
    );
  });
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new TunnelError('ABORTED', 'cancelled before the tunnel was ready'));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  const died = ended.then((error) => Promise.reject(error));
  try {
    await Promise.race([ready, died, timeout, aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) options.signal?.removeEventListener('abort', onAbort);
  }
}

/** True once OpenSSH has said everything the plan waits for. */
export function isReady(progress: SshProgress, markers: readonly ReadyMarker[], listeners = 0): boolean {
  return markers.every((marker) => {
    if (marker === 'session') return progress.session && progress.listening >= listeners;
    if (marker === 'remote-forwards') return progress.remoteForwardsDone;
    return progress.relayInnerSession;
  });
}
