import { describe, expect, it } from 'vitest';
import { findServer, parseLaunched, redactSecrets } from '../../../../src/presets/server/server-info.js';

const LIST = [
  'Currently running servers:',
  '{"base_url": "/", "hostname": "localhost", "pid": 11, "port": 0, "sock": "/tmp/other.sock", "token": "aaa"}',
  '{"base_url": "/nb", "hostname": "localhost", "pid": 12, "port": 0, "sock": "/tmp/tnl-jupyter-abc/jupyter.sock", "token": "bbb"}',
  '{"base_url": "/", "hostname": "127.0.0.1", "pid": 13, "port": 40123, "sock": "", "token": "ccc"}',
  'not json {',
].join('\n');

describe('findServer', () => {
  it.each([
    [
      'by socket',
      { socket: '/tmp/tnl-jupyter-abc/jupyter.sock' },
      { token: 'bbb', baseUrl: '/nb/', pid: 12, port: undefined },
    ],
    ['by port', { port: 40123 }, { token: 'ccc', baseUrl: '/', pid: 13, socket: undefined }],
  ])('%s', (_, match, expected) => {
    expect(findServer(LIST, match)).toMatchObject(expected);
  });

  it('does not mistake port 0 of a socket server for a match', () => {
    expect(findServer(LIST, { port: 1 })).toBeUndefined();
    expect(findServer(LIST, { socket: '/tmp/none.sock' })).toBeUndefined();
  });
});

describe('redactSecrets', () => {
  it.each([
    [
      'URL in a log line',
      '[I] http://localhost:8888/?token=0123abcd in a browser',
      '[I] http://localhost:8888/?token=<redacted> in a browser',
    ],
    ['second query parameter', 'GET /api?x=1&token=ffff HTTP', 'GET /api?x=1&token=<redacted> HTTP'],
    ['JSON field', '{"pid": 1, "token": "s3cr3t"}', '{"pid": 1, "token": "<redacted>"}'],
    ['header', 'Authorization: token abc123', 'Authorization: token <redacted>'],
    ['nothing secret', 'Serving notebooks from /home/u', 'Serving notebooks from /home/u'],
  ])('%s', (_, input, output) => {
    expect(redactSecrets(input)).toBe(output);
  });
});

describe('parseLaunched', () => {
  it.each([
    ['socket mode', 'tunnel-launched pid=123 port=\n', { pid: 123, port: undefined }],
    ['port mode after noise', 'motd\ntunnel-launched pid=9 port=40001\n', { pid: 9, port: 40001 }],
    ['no marker', 'oops', undefined],
  ])('%s', (_, stdout, expected) => {
    expect(parseLaunched(stdout)).toEqual(expected);
  });
});
