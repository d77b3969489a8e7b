import type { TunnelError } from '../errors.js';
import { jobEnded, type JobEvent } from './job.js';
import type { JobInfo, Scheduler } from './scheduler.js';

export interface JobWatch {
  /** Resolves when the job stops running (walltime, scancel, node failure, requeue). */
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
  let resolveEnded: (error: TunnelError) => void = () => undefined;
  const ended = new Promise<TunnelError>((resolve) => (resolveEnded = resolve));
  const warnAt = options.warnBeforeSeconds ?? 300;
  const tick = async () => {
    const poll = await scheduler.poll(first.id).catch(() => undefined);
    if (stopped) return;
    if (poll?.job !== undefined) {
      latest = poll.job;
      if (!latest.running) {
        stopped = true;
        resolveEnded(jobEnded(latest, latest.terminal ? 'and the tunnel to it is closed' : `on ${first.node ?? 'its node'} no longer: the tunnel to it is closed`));
        return;
      }
      if (!warned && latest.timeLeft !== null && latest.timeLeft <= warnAt) {
        warned = true;
        options.onEvent?.({ event: 'walltime', id: first.id, timeLeft: latest.timeLeft });
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
