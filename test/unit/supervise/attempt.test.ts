import { describe, expect, it } from 'vitest';
import type { ReadyMarker } from '../../../src/plan/types.js';
import { emptyProgress, type SshProgress } from '../../../src/ssh/progress.js';
import { isReady } from '../../../src/supervise/attempt.js';

describe('isReady', () => {
  it.each<[string, Partial<SshProgress>, ReadyMarker[], number, boolean]>([
    ['nothing said yet', {}, ['session'], 0, false],
    ['session open, no listeners needed', { session: true }, ['session'], 0, true],
    ['session open but one of two listeners bound', { session: true, listening: 1 }, ['session'], 2, false],
    ['session open, both listeners bound', { session: true, listening: 2 }, ['session'], 2, true],
    ['-R replies pending', { session: true, listening: 1 }, ['session', 'remote-forwards'], 1, false],
    [
      '-R replies all in',
      { session: true, listening: 1, remoteForwardsDone: true },
      ['session', 'remote-forwards'],
      1,
      true,
    ],
    ['relay inner not up', { session: true }, ['session', 'relay-inner'], 0, false],
    ['relay inner up', { session: true, relayInnerSession: true }, ['session', 'relay-inner'], 0, true],
    ['no markers: ready at once', {}, [], 0, true],
  ])('%s', (_what, progress, markers, listeners, ready) => {
    expect(isReady({ ...emptyProgress(), ...progress }, markers, listeners)).toBe(ready);
  });
});
