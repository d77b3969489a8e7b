import { describe, expect, it } from 'vitest';
import { parseRunText, type RunText } from '../../../src/api/up.js';

describe('parseRunText: run flags in seconds, only what was given (defaults are applied in one place)', () => {
  it.each<[string, RunText, ReturnType<typeof parseRunText>]>([
    [
      'nothing given: nothing set',
      {},
      { readyTimeoutMs: undefined, maxRetries: undefined, reconnect: undefined, healthIntervalMs: undefined },
    ],
    [
      'seconds become milliseconds',
      { readyTimeout: '45', healthInterval: '0' },
      { readyTimeoutMs: 45_000, maxRetries: undefined, reconnect: undefined, healthIntervalMs: 0 },
    ],
    [
      '--no-reconnect and a retry budget',
      { reconnect: false, maxRetries: '3' },
      { readyTimeoutMs: undefined, maxRetries: 3, reconnect: false, healthIntervalMs: undefined },
    ],
    [
      'commander says reconnect: true when --no-reconnect is absent: left to the default',
      { reconnect: true },
      { readyTimeoutMs: undefined, maxRetries: undefined, reconnect: undefined, healthIntervalMs: undefined },
    ],
  ])('%s', (_what, text, expected) => {
    expect(parseRunText(text)).toEqual(expected);
  });

  it.each([
    [{ readyTimeout: '0' }, /--ready-timeout '0': expected a whole number from 1 to 3600/],
    [{ maxRetries: '-1' }, /--max-retries '-1'/],
    [{ healthInterval: '1.5' }, /--health-interval '1.5'/],
  ])('%o is refused, naming the flag', (text, message) => {
    expect(() => parseRunText(text)).toThrow(message);
  });
});
