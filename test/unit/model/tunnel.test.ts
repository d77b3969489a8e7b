import { describe, expect, it } from 'vitest';
import { parseTunnelSpec } from '../../../src/model/tunnel.js';

describe('parseTunnelSpec', () => {
  it('takes the last --via as the target when --to is missing', () => {
    const spec = parseTunnelSpec({ via: ['gw1', 'headnode'], remote: ['10001:localhost:9123'] });
    expect(spec.to.host).toBe('headnode');
    expect(spec.via.map((h) => h.host)).toEqual(['gw1']);
  });

  it('binds local TCP listeners to loopback unless told otherwise', () => {
    const spec = parseTunnelSpec({ to: 'n', local: ['8080:h:80', '0.0.0.0:8081:h:80'] });
    expect(spec.forwards.map((f) => (f.listen.kind === 'tcp' ? f.listen.bind : f.listen.path))).toEqual([
      '127.0.0.1',
      '0.0.0.0',
    ]);
  });

  it('applies defaults: 10 s x 3 keepalives (dead link within 30 s), auto strategy', () => {
    const spec = parseTunnelSpec({ to: 'n', local: ['1:h:2'] });
    expect(spec.keepalive).toEqual({ interval: 10, count: 3 });
    expect(spec.keepalive.interval * spec.keepalive.count).toBeLessThanOrEqual(30);
    expect(spec.strategy).toBe('auto');
  });

  it('accepts numeric flags as strings', () => {
    expect(parseTunnelSpec({ to: 'n', local: ['1:h:2'], keepalive: '1', connectTimeout: '5' }).keepalive.interval).toBe(
      1,
    );
  });

  it.each([
    [{ local: ['1:h:2'] }, /--to: no target host/],
    [{ to: 'n' }, /no forwards/],
    [{ to: 'n', local: ['1:h:2', '1:h:3'] }, /same port/],
    [{ to: 'n', local: ['/tmp/a.sock:/b', '/tmp/a.sock:/c'] }, /same socket/],
    [{ to: 'n', local: ['1:h:2'], strategy: 'teleport' }, /--strategy 'teleport': expected jump, relay or auto/],
    [{ to: 'n', local: ['1:h:2'], keepalive: 0 }, /--keepalive '0': expected a whole number from 1/],
    [{ to: 'n', local: ['1:h:2'], keepalive: 'soon' }, /--keepalive 'soon'/],
    [{ to: 'n', local: ['1:h:2'], keepalive: 1.5 }, /--keepalive/],
    [{ to: 'n', local: ['1:h:2'], name: '../etc' }, /--name/],
    [{ to: 'n', local: ['1:h:2'], name: 'a/b' }, /--name/],
    [{ to: 'n', local: ['1:h:2'], name: '' }, /--name/],
    [{ to: 'n', local: ['1:h:2'], name: 'x'.repeat(64) }, /--name/],
    [{ to: 'n', local: ['1:h:2'], sshConfig: '-oFoo' }, /--ssh-config/],
  ])('rejects %j', (options, message) => {
    expect(() => parseTunnelSpec(options)).toThrow(message);
  });
});
