import { describe, expect, it } from 'vitest';
import { parseListeners, scopeOf, scopeOfPort } from '../../../src/doctor/listeners.js';

const SS = `State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess
LISTEN 0      128        127.0.0.1:46155      0.0.0.0:*
LISTEN 0      128          0.0.0.0:35665      0.0.0.0:*
LISTEN 0      128             [::]:35665         [::]:*
LISTEN 0      128            [::1]:45811         [::]:*
LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*
LISTEN 0      128                *:8080             *:*`;

const NETSTAT = `Active Internet connections (only servers)
Proto Recv-Q Send-Q Local Address           Foreign Address         State
tcp        0      0 127.0.0.1:46155         0.0.0.0:*               LISTEN
tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN
tcp6       0      0 :::35665                :::*                    LISTEN
tcp6       0      0 ::1:45811               :::*                    LISTEN`;

const PROC = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:B44B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 176328 1 000000004ca570fb 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 58793 1 0000000051778fe8 100 0 0 10 0
   2: 0100007F:B44C 0100007F:0016 01 00000000:00000000 00:00000000 00000000     0        0 58794 1 0000000051778fe8 100 0 0 10 0
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:B30D 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 00000000000000000000000000000000:8AB1 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0`;

describe('parseListeners', () => {
  it.each([
    [
      'ss -ltn',
      SS,
      [
        ['127.0.0.1', 46155],
        ['0.0.0.0', 35665],
        ['::', 35665],
        ['::1', 45811],
        ['127.0.0.53', 53],
        ['*', 8080],
      ],
    ],
    [
      'netstat -ltn',
      NETSTAT,
      [
        ['127.0.0.1', 46155],
        ['0.0.0.0', 22],
        ['::', 35665],
        ['::1', 45811],
      ],
    ],
    [
      '/proc/net/tcp and tcp6 (LISTEN rows only)',
      PROC,
      [
        ['127.0.0.1', 46155],
        ['0.0.0.0', 22],
        ['::1', 45837],
        ['::', 35505],
        ['::ffff:127.0.0.1', 8080],
      ],
    ],
    ['nothing useful', 'ss: command not found\n', []],
  ])('%s', (_name, text, expected) => {
    expect(parseListeners(text).map((l) => [l.address, l.port])).toEqual(expected);
  });
});

describe('scopeOf', () => {
  it.each([
    ['0.0.0.0', 'wildcard'],
    ['*', 'wildcard'],
    ['::', 'wildcard'],
    ['[::]', 'wildcard'],
    ['127.0.0.1', 'loopback'],
    ['127.0.0.53%lo', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'specific'],
    ['fe80::1', 'specific'],
  ])('%s is %s', (address, scope) => {
    expect(scopeOf(address)).toBe(scope);
  });
});

describe('scopeOfPort', () => {
  const listeners = parseListeners(SS);
  it.each([
    [35665, 'wildcard'],
    [45811, 'loopback'],
    [46155, 'loopback'],
    [1, undefined],
  ])('port %i -> %s (IPv4 and IPv6 together, widest wins)', (port, scope) => {
    expect(scopeOfPort(listeners, port)).toBe(scope);
  });
});
