import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../src/supervise/backoff.js';

describe('backoffDelay', () => {
  const noJitter = () => 0.5;
  it.each([
    [1, 0],
    [2, 10],
    [9, 10],
    [16, 10],
    [17, 200],
    [18, 400],
    [22, 6400],
    [23, 12_800],
    [24, 25_600],
    [25, 30_000],
    [50, 30_000],
  ])('retry %i waits %i ms without jitter', (failures, ms) => {
    expect(backoffDelay(failures, DEFAULT_BACKOFF, noJitter)).toBe(ms);
  });
  it('jitters within ±20 %', () => {
    expect(backoffDelay(20, DEFAULT_BACKOFF, () => 0)).toBe(1280);
    expect(backoffDelay(20, DEFAULT_BACKOFF, () => 0.999999)).toBe(1920);
  });

  it('after a hop had authenticated us (the next one is down), no fast retries: each one is a login there', () => {
    const noJitter = () => 0.5;
    const delays = Array.from({ length: 6 }, (_, i) => backoffDelay(i + 1, DEFAULT_BACKOFF, noJitter, true));
    expect(delays).toEqual([0, 200, 400, 800, 1600, 3200]);
    // Ten seconds of a dead second hop cost a handful of logins on the first, not nineteen.
    let elapsed = 0;
    let logins = 0;
    for (let n = 1; elapsed < 10_000; n++) {
      elapsed += backoffDelay(n, DEFAULT_BACKOFF, noJitter, true);
      logins += 1;
    }
    expect(logins).toBeLessThanOrEqual(7);
  });
});
