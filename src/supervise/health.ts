import { TunnelError } from '../errors.js';
import type { PlannedForward } from '../plan/types.js';
import type { Forward, Keepalive } from '../model/types.js';
import { probeForward, VERDICT_WINDOW_MS, type Health, type ProbeOptions } from './probe.js';

/** Probes every forward once (bounded by the probe window). */
export function probeAll(forwards: readonly Forward[], options: ProbeOptions = {}): Promise<Health[]> {
  return Promise.all(forwards.map((f) => probeForward(f, options)));
}

/** Probes every forward now and then; reports each round's results. Stops cleanly. */
export function watchHealth(
  forwards: readonly Forward[],
  intervalMs: number,
  onResult: (health: Health[]) => void,
  options: ProbeOptions = {},
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const round = async () => {
    const health = await probeAll(forwards, options);
    if (stopped) return;
    onResult(health);
    timer = setTimeout(() => void round(), intervalMs);
    timer.unref();
  };
  timer = setTimeout(() => void round(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The first forward that is not healthy, as the error a degraded tunnel reports; undefined when all are. Pure. */
export function healthProblem(
  health: readonly Health[] | undefined,
  forwards: readonly PlannedForward[],
  keepalive: Keepalive,
): TunnelError | undefined {
  const index = health?.findIndex((h) => h !== 'ok') ?? -1;
  if (index < 0) return undefined;
  const target = forwards[index]?.target ?? 'the target';
  return health?.[index] === 'unreachable'
    ? new TunnelError('TARGET_UNREACHABLE', `nothing listens on ${target}; start it there, or check the path or port`)
    : new TunnelError(
        'TARGET_UNREACHABLE',
        `no answer through the tunnel to ${target} within ${VERDICT_WINDOW_MS / 1000} s (the link may be down; keepalives will tell within ${keepalive.interval * keepalive.count} s)`,
      );
}
