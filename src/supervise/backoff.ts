export interface BackoffPolicy {
  /** Delay between the fast retries, and the first step of the exponential phase after them. */
  initialMs: number;
  /**
   * Retries spaced initialMs apart before the backoff grows: a restarting sshd refuses
   * connections for a moment, and a refused connection costs the server nothing.
   */
  fastRetries: number;
  factor: number;
  maxMs: number;
  /** Fraction of the delay drawn at random (both ways) so many tunnels don't retry in step. */
  jitter: number;
  /** After this long up, the next failure starts again from initialMs. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, fastRetries: 10, factor: 2, maxMs: 30_000, jitter: 0.2, stableMs: 60_000 };

/**
 * Delay before retry number `failures` (1-based), with jitter from `random` in [0, 1). The first
 * retry is immediate (a dropped link usually comes straight back), then about a second of fast
 * retries, then exponential growth up to maxMs.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  if (failures <= 1) return 0;
  const grown = failures - 1 - policy.fastRetries;
  const raw = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, grown));
  const spread = raw * policy.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(raw + spread));
}
