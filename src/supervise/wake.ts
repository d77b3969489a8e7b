import { networkInterfaces } from 'node:os';

/**
 * Calls `onWake` after the laptop slept (the wall clock jumped past the timer) or the
 * network changed (addresses differ), so a reconnect need not wait out its backoff.
 */
export function watchWake(onWake: (reason: 'sleep' | 'network') => void, tickMs = 2000): () => void {
  let last = Date.now();
  let addresses = addressSignature();
  const timer = setInterval(() => {
    const now = Date.now();
    const current = addressSignature();
    if (now - last > tickMs + 5000) onWake('sleep');
    else if (current !== addresses) onWake('network');
    last = now;
    addresses = current;
  }, tickMs);
  timer.unref();
  return () => clearInterval(timer);
}

function addressSignature(): string {
  return Object.values(networkInterfaces())
    .flatMap((list) => (list ?? []).map((entry) => entry.address))
    .sort()
    .join(',');
}
