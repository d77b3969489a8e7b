export interface BackoffPolicy {
  /** Delay between the fast retries (each also costs an ssh start, ~50 ms). */
  fastMs: number;
  /** The first step of the exponential phase after the fast retries. */
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

export const DEFAULT_BACKOFF: BackoffPolicy = {
  fastMs: 10,
  fastRetries: 15,
  initialMs: 200,
  factor: 2,
  maxMs: 30_000,
  jitter: 0.2,
  stableMs: 60_000,
};

/**
 * Delay before retry number `failures` (1-based), with jitter from `random` in [0, 1) on the
 * exponential phase. The first retry is immediate (a dropped link usually comes straight back),
 * then about a second of fast retries (a restarting sshd refuses for a moment, and a refused
 * connection costs the server nothing), then growth from initialMs up to maxMs.
 * `costly`: the failure came after a hop had authenticated us (the next hop is down), so every
 * retry is a full login there; login nodes rate-limit and lock accounts, so no fast phase.
 */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
  costly = false,
): number {
  if (failures <= 1) return 0;
  const grown = failures - 1 - (costly ? 0 : policy.fastRetries);
  if (grown <= 0) return policy.fastMs;
  const raw = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (grown - 1));
  const spread = raw * policy.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(raw + spread));
}
