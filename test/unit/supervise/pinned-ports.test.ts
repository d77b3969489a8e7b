import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { parseTunnelSpec } from '../../../src/model/tunnel.js';
import { emptyProgress, type SshProgress } from '../../../src/ssh/progress.js';
import { pinAllocated, refusedPinnedForward, withPinnedPorts } from '../../../src/supervise/pinned-ports.js';

const spec = parseTunnelSpec({
  to: 'login',
  local: ['8080:localhost:80'],
  remote: ['0:localhost:9123', '5000:localhost:22', '0:localhost:11111'],
});
const progress = (...allocated: Array<number | undefined>): SshProgress => ({
  ...emptyProgress(),
  remoteForwards: allocated.map((a, i) => ({ listen: String(i), allocated: a })),
});

describe('pinned -R ports', () => {
  it.each([
    [
      'pins every -R 0 to what the server allocated, in request order',
      new Map(),
      progress(41000, undefined, 42000),
      [
        [1, 41000],
        [3, 42000],
      ],
      [],
    ],
    [
      'an explicit reconnect (no Allocated line) keeps the pin, no change',
      new Map([
        [1, 41000],
        [3, 42000],
      ]),
      progress(undefined, undefined, undefined),
      [
        [1, 41000],
        [3, 42000],
      ],
      [],
    ],
    [
      'a new allocation after a release is a change',
      new Map([
        [1, 41000],
        [3, 42000],
      ]),
      progress(43000, undefined, undefined),
      [
        [1, 43000],
        [3, 42000],
      ],
      [{ forward: 1, from: 41000, to: 43000 }],
    ],
  ] as const)('%s', (_, before, seen, pinned, changes) => {
    const result = pinAllocated(spec, before, seen);
    expect([...result.pinned]).toEqual(pinned);
    expect(result.changes).toEqual(changes);
  });

  it('a reconnect asks for the pinned ports, except a released one', () => {
    const pinned = new Map([
      [1, 41000],
      [3, 42000],
    ]);
    const ports = (s: typeof spec) => s.forwards.map((f) => (f.listen.kind === 'tcp' ? f.listen.port : f.listen.path));
    expect(ports(withPinnedPorts(spec, pinned))).toEqual([8080, 41000, 5000, 42000]);
    expect(ports(withPinnedPorts(spec, pinned, new Set([3])))).toEqual([8080, 41000, 5000, 0]);
    expect(ports(spec)).toEqual([8080, 0, 5000, 0]);
  });

  it.each([
    ['Warning: remote port forwarding failed for listen port 42000', 3],
    ['Warning: remote port forwarding failed for listen port 5000', undefined],
    ['administratively prohibited', undefined],
  ])('a refusal of %s names pinned forward %s', (message, index) => {
    const error = new TunnelError('FORWARD_REFUSED', 'x', { sshMessage: message });
    expect(
      refusedPinnedForward(
        error,
        new Map([
          [1, 41000],
          [3, 42000],
        ]),
      ),
    ).toBe(index);
  });
});
