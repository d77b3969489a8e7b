import { describe, expect, it } from 'vitest';
import { formatForwardArg, parseForward } from '../../../src/model/forward.js';
import { TunnelError } from '../../../src/errors.js';

describe('parseForward accepts every OpenSSH form', () => {
  it.each([
    [
      'L',
      '8080:localhost:80',
      { kind: 'tcp', bind: undefined, port: 8080 },
      { kind: 'tcp', host: 'localhost', port: 80 },
    ],
    [
      'L',
      '127.0.0.1:8080:db:5432',
      { kind: 'tcp', bind: '127.0.0.1', port: 8080 },
      { kind: 'tcp', host: 'db', port: 5432 },
    ],
    [
      'L',
      '8899:/home/me/.jupyter.sock',
      { kind: 'tcp', bind: undefined, port: 8899 },
      { kind: 'unix', path: '/home/me/.jupyter.sock' },
    ],
    [
      'L',
      'localhost:8899:/run/app.sock',
      { kind: 'tcp', bind: 'localhost', port: 8899 },
      { kind: 'unix', path: '/run/app.sock' },
    ],
    [
      'L',
      '/tmp/me/db.sock:/run/db.sock',
      { kind: 'unix', path: '/tmp/me/db.sock' },
      { kind: 'unix', path: '/run/db.sock' },
    ],
    [
      'L',
      '/tmp/me/web.sock:127.0.0.1:80',
      { kind: 'unix', path: '/tmp/me/web.sock' },
      { kind: 'tcp', host: '127.0.0.1', port: 80 },
    ],
    ['L', '[::1]:8080:[::1]:80', { kind: 'tcp', bind: '::1', port: 8080 }, { kind: 'tcp', host: '::1', port: 80 }],
    [
      'L',
      '8080:[fe80::1%eth0]:80',
      { kind: 'tcp', bind: undefined, port: 8080 },
      { kind: 'tcp', host: 'fe80::1%eth0', port: 80 },
    ],
    [
      'R',
      '10001:localhost:9123',
      { kind: 'tcp', bind: undefined, port: 10001 },
      { kind: 'tcp', host: 'localhost', port: 9123 },
    ],
    ['R', '0:localhost:22', { kind: 'tcp', bind: undefined, port: 0 }, { kind: 'tcp', host: 'localhost', port: 22 }],
    [
      'R',
      '/tmp/r.sock:localhost:80',
      { kind: 'unix', path: '/tmp/r.sock' },
      { kind: 'tcp', host: 'localhost', port: 80 },
    ],
    [
      'R',
      '11111:/tmp/local.sock',
      { kind: 'tcp', bind: undefined, port: 11111 },
      { kind: 'unix', path: '/tmp/local.sock' },
    ],
  ] as const)('-%s %s', (direction, text, listen, target) => {
    expect(parseForward(direction, text)).toEqual({ direction, listen, target });
  });
});

describe('parseForward round-trips through formatForwardArg', () => {
  it.each([
    '8080:localhost:80',
    '127.0.0.1:8080:db:5432',
    '8899:/a.sock',
    '/a.sock:/b.sock',
    '/a.sock:h:1',
    '[::1]:8080:[::1]:80',
  ])('%s', (text) => {
    expect(formatForwardArg(parseForward('L', text))).toBe(text);
  });
});

describe('parseForward rejects malformed specs with the field named', () => {
  it.each([
    ['L', '', /empty forward spec/],
    ['L', '8080', /expected port:host:hostport/],
    ['R', '8080', /dynamic \(SOCKS\)/],
    ['L', '0:localhost:80', /out of range \(expected 1-65535\)/],
    ['L', '65536:localhost:80', /out of range/],
    ['L', '-1:localhost:80', /not a number/],
    ['L', 'abc:localhost:80', /not a number/],
    ['L', '8080:localhost:http', /not a number/],
    ['L', '8080:localhost:', /not a number/],
    ['L', '8080::80', /empty host/],
    ['L', '[::1:8080:h:80', /unbalanced '\['/],
    ['L', '::1]:8080:h:80', /unbalanced '\]'/],
    ['L', '8080:relative/app.sock', /must be absolute/],
    ['L', `8080:/${'x'.repeat(120)}.sock`, /sun_path limit/],
    ['L', '1:2:3:4:5', /too many fields/],
    ['L', '8080:bad host:80', /not a valid host name/],
    ['L', '8080:-oProxyCommand=x:80', /not a valid host name/],
    ['L', '8080:/tmp/a\nb.sock', /control characters/],
    ['R', '65536:localhost:80', /out of range \(expected 0-65535\)/],
  ] as const)('-%s %j', (direction, text, message) => {
    const attempt = () => parseForward(direction, text);
    expect(attempt).toThrow(TunnelError);
    expect(attempt).toThrow(message);
  });
});
