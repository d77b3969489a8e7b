import { describe, expect, it } from 'vitest';
import { applyDefaults, resolveDefaults } from '../../../src/saved/defaults.js';
import type { TunnelOptions } from '../../../src/model/types.js';

const base = { keepalive: 10, keepaliveCount: 3, connectTimeout: 10 };

describe('applyDefaults', () => {
  it.each<[string, TunnelOptions, Parameters<typeof applyDefaults>[1], Partial<TunnelOptions>]>([
    [
      'fills unset timing fields',
      { to: 'n', local: ['1:h:2'] },
      { ...base, keepalive: 30 },
      { keepalive: 30, keepaliveCount: 3, connectTimeout: 10 },
    ],
    [
      'never overrides a set field',
      { to: 'n', keepalive: 5, connectTimeout: '7' },
      { ...base, keepalive: 30 },
      { keepalive: 5, connectTimeout: '7' },
    ],
    [
      'adds default hops when --to is given without --via',
      { to: 'node' },
      { ...base, via: ['login'] },
      { via: ['login'] },
    ],
    ['keeps explicit hops', { to: 'node', via: ['gw'] }, { ...base, via: ['login'] }, { via: ['gw'] }],
    ['keeps an explicit empty hop list (direct)', { to: 'node', via: [] }, { ...base, via: ['login'] }, { via: [] }],
    ['adds no hops when there is no --to', { via: ['x'] }, { ...base, via: ['login'] }, { via: ['x'] }],
    [
      'stops the route before the target (no login -> login)',
      { to: 'login' },
      { ...base, via: ['gw', 'login', 'x'] },
      { via: ['gw'] },
    ],
    [
      'drops the route when the target is the first hop',
      { to: 'u@login' },
      { ...base, via: ['u@login'] },
      { via: undefined },
    ],
    [
      'ignores invalid default hops (parseTunnelSpec reports the tunnel itself)',
      { to: 'n' },
      { ...base, via: ['bad host'] },
      { via: undefined },
    ],
    [
      'binds local TCP listeners without an address to localBind',
      { to: 'n', local: ['8888:h:80', '0.0.0.0:1:h:2', '/tmp/a.sock:/b', '9:/r.sock'] },
      { ...base, localBind: '::1' },
      { local: ['[::1]:8888:h:80', '0.0.0.0:1:h:2', '/tmp/a.sock:/b', '[::1]:9:/r.sock'] },
    ],
    [
      'leaves remote forwards alone',
      { to: 'n', remote: ['8888:h:80'] },
      { ...base, localBind: '0.0.0.0' },
      { remote: ['8888:h:80'] },
    ],
    [
      'passes unparsable specs through unchanged',
      { to: 'n', local: ['nonsense'] },
      { ...base, localBind: '0.0.0.0' },
      { local: ['nonsense'] },
    ],
  ])('%s', (_name, options, defaults, expected) => {
    expect(applyDefaults(options, defaults)).toMatchObject(expected);
  });

  it('does not mutate its input', () => {
    const options = { to: 'n', local: ['1:h:2'] };
    applyDefaults(options, { ...base, localBind: '0.0.0.0' });
    expect(options).toEqual({ to: 'n', local: ['1:h:2'] });
  });
});

describe('resolveDefaults', () => {
  it.each([
    [{}, base],
    [{ keepalive: 30 }, { ...base, keepalive: 30 }],
    [
      { via: ['login'], localBind: '0.0.0.0' },
      { ...base, via: ['login'], localBind: '0.0.0.0' },
    ],
  ])('%j -> %j', (stored, expected) => {
    expect(resolveDefaults(stored)).toEqual(expected);
  });
});
