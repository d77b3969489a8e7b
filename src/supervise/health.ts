import type { Forward } from '../spec/types.js';
import { probeForward, type Health, type ProbeOptions } from './probe.js';

/** Probes every forward once (bounded by the probe window). */
export function probeAll(forwards: readonly Forward[], options: ProbeOptions = {}): Promise<Health[]> {
  return Promise.all(forwards.map((f) => probeForward(f, options)));
}

/** Probes every forward now and then; reports each round's results. Stops cleanly. */
export function watchHealth(forwards: readonly Forward[], intervalMs: number, onResult: (health: Health[]) => void, options: ProbeOptions = {}): () => void {
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
