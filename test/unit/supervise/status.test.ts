import { describe, expect, it } from 'vitest';
import { parseForward } from '../../../src/model/forward.js';
import type { PlannedForward } from '../../../src/plan/types.js';
import { emptyProgress } from '../../../src/ssh/progress.js';
import { forwardStatuses } from '../../../src/supervise/status.js';

const planned = (direction: 'L' | 'R', spec: string, listen: string, target: string): PlannedForward => ({
  forward: parseForward(direction, spec),
  listen,
  target,
});

describe('forwardStatuses', () => {
  const forwards = [
    planned('R', '0:localhost:9000', 'localhost:0 on login', '127.0.0.1:9000'),
    planned('L', '8888:localhost:8888', '127.0.0.1:8888', 'localhost:8888 on node7'),
    planned('R', '0:localhost:9001', 'localhost:0 on login', '127.0.0.1:9001'),
    planned('R', '7000:localhost:7000', 'localhost:7000 on login', '127.0.0.1:7000'),
  ];

  it('pairs -R replies with -R forwards in request order, -L ones skipped', () => {
    const progress = {
      ...emptyProgress(),
      remoteForwards: [
        { listen: 'a', allocated: 40001 },
        { listen: 'b', allocated: 40002 },
        { listen: 'c', allocated: undefined },
      ],
    };
    expect(forwardStatuses(forwards, progress)).toEqual([
      { direction: 'R', listen: 'localhost:40001 on login', target: '127.0.0.1:9000', allocatedPort: 40001 },
      { direction: 'L', listen: '127.0.0.1:8888', target: 'localhost:8888 on node7' },
      { direction: 'R', listen: 'localhost:40002 on login', target: '127.0.0.1:9001', allocatedPort: 40002 },
      { direction: 'R', listen: 'localhost:7000 on login', target: '127.0.0.1:7000' },
    ]);
  });

  it('before any reply (or without progress), listens as planned', () => {
    const expected = forwards.map(({ forward, listen, target }) => ({ direction: forward.direction, listen, target }));
    expect(forwardStatuses(forwards, undefined)).toEqual(expected);
    expect(forwardStatuses(forwards, emptyProgress())).toEqual(expected);
  });
});
