import { describe, expect, it } from 'vitest';
import { ChannelVerdicts } from '../../../src/ssh/channel-verdicts.js';

// Lines as OpenSSH 9.2 prints them with -v for three probes (recorded on this machine).
const OK =
  'debug1: channel 6: free: direct-tcpip: listening port 42001 for 127.0.0.1 port 42999, connect from 127.0.0.1 port 57454 to 127.0.0.1 port 42001, nchannels 7';
const REFUSED = [
  'channel 7: open failed: connect failed: Connection refused',
  'debug1: channel 7: free: direct-tcpip: listening port 42002 for 127.0.0.1 port 1, connect from 127.0.0.1 port 50778 to 127.0.0.1 port 42002, nchannels 9',
];
const NO_SOCKET = [
  'channel 8: open failed: connect failed: open failed',
  'debug1: channel 8: free: direct-streamlocal@openssh.com: listening port 42003 for /tmp/nonexistent.sock port -2, connect from 127.0.0.1 port 36344 to 127.0.0.1 port 42003, nchannels 8',
];

describe('ChannelVerdicts', () => {
  it.each([
    ['the far end accepted (free, no open failed)', [OK], 57454, 'ok'],
    ['a refused TCP target', REFUSED, 50778, 'unreachable'],
    ['a socket that does not exist', NO_SOCKET, 36344, 'unreachable'],
    ["another connection's verdict is not ours", [OK], 11111, undefined],
  ] as const)('%s', async (_, lines, port, verdict) => {
    const verdicts = new ChannelVerdicts();
    const waiting = verdicts.waitFor(port, 50);
    for (const line of lines) verdicts.readLine(line);
    expect(await waiting).toBe(verdict);
  });

  it('silence (a blackholed link: no free line) gives no verdict within the window', async () => {
    const verdicts = new ChannelVerdicts();
    const waiting = verdicts.waitFor(57454, 30);
    verdicts.readLine('debug1: Connection to port 42001 forwarding to 127.0.0.1 port 42999 requested.');
    expect(await waiting).toBeUndefined();
  });

  it('a verdict that arrives before the probe asks for it (ssh answered before our connect callback ran) is not lost', async () => {
    const verdicts = new ChannelVerdicts();
    for (const line of REFUSED) verdicts.readLine(line);
    expect(await verdicts.waitFor(50778, 50)).toBe('unreachable');
    // Taken once: the same port later (reused by another connection) waits for its own verdict.
    expect(await verdicts.waitFor(50778, 20)).toBeUndefined();
  });
});
