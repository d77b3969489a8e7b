import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchWake } from '../../../src/supervise/wake.js';

afterEach(() => vi.useRealTimers());

describe('watchWake', () => {
  it('reports a sleep when the wall clock jumps past the timer (laptop lid closed, then opened)', () => {
    vi.useFakeTimers();
    const woke: string[] = [];
    const stop = watchWake((reason) => woke.push(reason), 2000);
    vi.advanceTimersByTime(2000);
    expect(woke).toEqual([]);
    vi.setSystemTime(Date.now() + 60_000);
    vi.advanceTimersByTime(2000);
    expect(woke).toEqual(['sleep']);
    stop();
  });

  it('stays quiet while time passes normally, and stops when told', () => {
    vi.useFakeTimers();
    const woke: string[] = [];
    const stop = watchWake((reason) => woke.push(reason), 2000);
    vi.advanceTimersByTime(20_000);
    stop();
    vi.setSystemTime(Date.now() + 60_000);
    vi.advanceTimersByTime(10_000);
    expect(woke).toEqual([]);
  });
});
