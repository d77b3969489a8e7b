import { describe, expect, it } from 'vitest';
import { parseForward } from '../../../src/model/forward.js';
import type { PlannedForward } from '../../../src/plan/types.js';
import { healthProblem } from '../../../src/supervise/health.js';
import type { Health } from '../../../src/supervise/probe.js';

const forwards: PlannedForward[] = [
  { forward: parseForward('L', '8888:localhost:8888'), listen: '127.0.0.1:8888', target: 'localhost:8888 on node7' },
  { forward: parseForward('L', '9999:localhost:9999'), listen: '127.0.0.1:9999', target: 'localhost:9999 on node7' },
];
const keepalive = { interval: 15, count: 3 };

describe('healthProblem', () => {
  it.each<[string, Health[] | undefined, string | undefined]>([
    ['all ok', ['ok', 'ok'], undefined],
    ['not probed yet', undefined, undefined],
    [
      'nothing listens on the second',
      ['ok', 'unreachable'],
      'nothing listens on localhost:9999 on node7; start it there, or check the path or port',
    ],
    [
      'the first is silent',
      ['unknown', 'unreachable'],
      'no answer through the tunnel to localhost:8888 on node7 within 3 s (the link may be down; keepalives will tell within 45 s)',
    ],
    [
      'more results than forwards',
      ['ok', 'ok', 'unreachable'],
      'nothing listens on the target; start it there, or check the path or port',
    ],
  ])('%s', (_what, health, message) => {
    const problem = healthProblem(health, forwards, keepalive);
    expect(problem?.message).toBe(message);
    if (message !== undefined) expect(problem?.code).toBe('TARGET_UNREACHABLE');
  });
});
