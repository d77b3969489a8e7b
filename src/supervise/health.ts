import type { Forward } from '../spec/types.js';
import { probeForward, type Health } from './probe.js';

/** Probes every forward now and then; reports each round's results. Stops cleanly. */
export function watchHealth(forwards: readonly Forward[], intervalMs: number, onResult: (health: Health[]) => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const round = async () => {
    const health = await Promise.all(forwards.map((f) => probeForward(f)));
    if (stopped) return;
    onResult(health);
    timer = setTimeout(() => void round(), intervalMs);
    timer.unref();
  };
  timer = setTimeout(() => void round(), Math.min(1000, intervalMs));
  timer.unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
