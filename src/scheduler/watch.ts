import type { TunnelError } from '../errors.js';
import { jobEnded, ownNotes, type JobEvent } from './resolve-job.js';
import type { JobInfo, JobNotes, Scheduler } from './types.js';

export interface JobWatch {
  /** Resolves when the job ends for good (walltime, scancel, node failure), or leaves and no onMoved follows it. */
  ended: Promise<TunnelError>;
  /** The job as last seen (for --json and status). */
  latest(): JobInfo;
  stop(): void;
}

export interface WatchOptions {
  intervalMs: number;
  /** A warning goes out once when this little walltime is left. */
  warnBeforeSeconds?: number;
  onEvent?: ((event: JobEvent) => void) | undefined;
  /** Every successful look at the job (its state and time left, for a record). */
  onLook?: ((info: JobInfo) => void) | undefined;
  /** The job's app reports ready in its notes for this directory (a requeued job is back once it does again). */
  notesDir?: string | undefined;
  /**
   * A job that left RUNNING without ending (requeued, suspended) runs again, maybe on another
   * node: re-point the tunnel. A rejection ends the watch with that error. Without it, leaving
   * RUNNING ends the watch.
   */
  onMoved?: ((info: JobInfo, notes: JobNotes) => Promise<void>) | undefined;
}

/**
 * Polls a running job while its tunnel is up. A poll that fails (the login node briefly
 * unreachable) is retried at the next tick: a flaky login node must not end a working tunnel.
 */
export function watchJob(scheduler: Scheduler, first: JobInfo, options: WatchOptions): JobWatch {
  let latest = first;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let warned = false;
  let away = false;
  let confirming = false;
  let resolveEnded: (error: TunnelError) => void = () => undefined;
  const ended = new Promise<TunnelError>((resolve) => (resolveEnded = resolve));
  const end = (error: TunnelError) => {
    stopped = true;
    resolveEnded(error);
  };
  const warnAt = options.warnBeforeSeconds ?? 300;
  const tick = async () => {
    const look = await scheduler.poll(first.id).catch(() => undefined);
    const poll = look === undefined ? undefined : ownNotes(look, options.notesDir);
    if (stopped) return;
    const job = poll?.job;
    if (job !== undefined) {
      latest = job;
      options.onLook?.(job);
      const back = job.running && (options.notesDir === undefined || poll!.notes.state === 'ready');
      if (job.terminal && (confirming || options.onMoved === undefined))
        return end(jobEnded(job, 'and the tunnel to it is closed'));
      if (job.terminal) {
        // A requeue can show the job's exit state (FAILED, CANCELLED) for a moment before
        // REQUEUED: look once more, soon, before ending the tunnel.
        confirming = true;
        timer = setTimeout(() => void tick(), Math.min(options.intervalMs, 1000));
        return;
      }
      confirming = false;
      if (!back) {
        if (options.onMoved === undefined)
          return end(jobEnded(job, `on ${first.node ?? 'its node'} no longer: the tunnel to it is closed`));
        if (!away) warned = false;
        away = true;
        options.onEvent?.({
          event: 'waiting',
          id: first.id,
          state: job.running ? 'STARTING' : job.state,
          reason: job.running ? 'the app is starting again' : job.reason,
          elapsedMs: 0,
        });
      } else if (away) {
        away = false;
        options.onEvent?.({ event: 'running', id: first.id, node: job.node!, timeLeft: job.timeLeft, elapsedMs: 0 });
        const moved = await options.onMoved!(job, poll!.notes).then(
          () => undefined,
          (error: TunnelError) => error,
        );
        if (moved !== undefined) return end(moved);
        if (stopped) return;
      } else if (!warned && job.timeLeft !== null && job.timeLeft <= warnAt) {
        warned = true;
        options.onEvent?.({ event: 'walltime', id: first.id, timeLeft: job.timeLeft });
      }
    }
    timer = setTimeout(() => void tick(), options.intervalMs);
  };
  timer = setTimeout(() => void tick(), options.intervalMs);
  return {
    ended,
    latest: () => latest,
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
