import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stateLines } from '../../../src/cli/state-lines.js';

describe('stateLines', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('prints a passing state once it has settled, in order', () => {
    const out: string[] = [];
    const lines = stateLines((l) => out.push(l), 500);
    lines.later('reconnecting');
    vi.advanceTimersByTime(100);
    lines.later('up');
    vi.advanceTimersByTime(399);
    expect(out).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(out).toEqual(['reconnecting']);
    vi.advanceTimersByTime(100);
    expect(out).toEqual(['reconnecting', 'up']);
  });

  it('a stop right after drops the passing state (the false degraded of a Ctrl-C); down is printed', () => {
    const out: string[] = [];
    const lines = stateLines((l) => out.push(l), 500);
    lines.later('degraded');
    vi.advanceTimersByTime(30);
    lines.drop();
    lines.now('down');
    vi.advanceTimersByTime(1000);
    expect(out).toEqual(['down']);
  });

  it('a final state prints what is waiting first, so the order stays true', () => {
    const out: string[] = [];
    const lines = stateLines((l) => out.push(l), 500);
    lines.later('reconnecting');
    lines.now('failed');
    vi.advanceTimersByTime(1000);
    expect(out).toEqual(['reconnecting', 'failed']);
  });
});
