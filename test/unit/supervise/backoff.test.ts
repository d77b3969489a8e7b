import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../src/supervise/backoff.js';

describe('backoffDelay', () => {
  const noJitter = () => 0.5;
  it.each([
    [1, 0], [2, 100], [6, 100], [11, 100], [12, 200], [13, 400], [19, 25_600], [20, 30_000], [50, 30_000],
  ])('retry %i waits %i ms without jitter', (failures, ms) => {
    expect(backoffDelay(failures, DEFAULT_BACKOFF, noJitter)).toBe(ms);
  });
  it('jitters within ±20 %', () => {
    expect(backoffDelay(15, DEFAULT_BACKOFF, () => 0)).toBe(1280);
    expect(backoffDelay(15, DEFAULT_BACKOFF, () => 0.999999)).toBe(1920);
  });
});
