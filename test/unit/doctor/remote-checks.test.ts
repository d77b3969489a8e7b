import { describe, expect, it } from 'vitest';
import {
  interpretBindUnlink,
  interpretHomePermissions,
  interpretLogin,
  interpretPathLength,
  interpretSocketForwarding,
  interpretTcpForwarding,
  parseRemoteInfo,
  type RemoteInfo,
} from '../../../src/doctor/remote-checks.js';
import { probeRun } from './probe-run.js';

const argv = ['ssh', '-T', 'login', 'true'];

describe('interpretLogin', () => {
  it.each([
    [
      'in',
      probeRun({ stdout: ['user=alice', 'home=/home/alice'] }),
      'ok',
      /logged in to login as alice without prompting in 0\.3 s/,
    ],
    [
      'timed out',
      probeRun({ exitCode: null, signal: 'SIGTERM', timedOut: true }),
      'fail',
      /did not answer within 10 s/,
    ],
    [
      'refused',
      probeRun({ exitCode: 255, stderr: ['ssh: connect to host 127.0.0.1 port 1: Connection refused'] }),
      'fail',
      /Connection refused/,
    ],
    [
      'key refused',
      probeRun({ exitCode: 255, stderr: ['alice@login: Permission denied (publickey).'] }),
      'fail',
      /Permission denied/,
    ],
    [
      'host key unknown',
      probeRun({
        exitCode: 255,
        stderr: [
          'No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.',
          'Host key verification failed.',
        ],
      }),
      'fail',
      /host key/i,
    ],
    [
      'wants a password/OTP',
      probeRun({ exitCode: 255, stderr: ['alice@login: Permission denied (publickey,keyboard-interactive).'] }),
      'warn',
      /wants a password or one-time code.*host checks skipped/,
    ],
    [
      'exit 0 without the script output',
      probeRun({ stdout: ['This account is restricted'] }),
      'fail',
      /exited with code 0/,
    ],
  ])('%s', (_name, run, status, detail) => {
    const found = interpretLogin(run, 'login', argv, 10);
    expect(found.status).toBe(status);
    expect(found.detail).toMatch(detail);
    if (status !== 'ok') expect(found.fix).not.toBe('');
  });
});

describe('interpretTcpForwarding', () => {
  it.each([
    ['banner', probeRun({ stdout: ['SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10'] }), 'allowed', 'ok', 'yes'],
    [
      'target closed but the server tried',
      probeRun({
        exitCode: 255,
        stderr: ['channel 0: open failed: connect failed: Connection refused', 'stdio forwarding failed'],
      }),
      'allowed',
      'ok',
      'yes',
    ],
    [
      '-L refused',
      probeRun({
        exitCode: 255,
        stderr: ['channel 0: open failed: administratively prohibited: open failed', 'stdio forwarding failed'],
      }),
      'refused',
      'fail',
      'refused',
    ],
    ['-R refused only', probeRun({ stdout: ['SSH-2.0-OpenSSH_9.2p1'] }), 'refused', 'warn', 'local'],
    ['-R undecided', probeRun({ stdout: ['SSH-2.0-OpenSSH_9.2p1'] }), 'unknown', 'ok', 'local'],
    ['no answer', probeRun({ exitCode: null, timedOut: true }), 'allowed', 'unknown', undefined],
  ] as const)('%s', (_name, run, remote, status, value) => {
    const found = interpretTcpForwarding(run, remote, 'login');
    expect(found).toMatchObject({ check: 'tcp-forwarding', status });
    expect(found.value).toBe(value);
  });
});

describe('interpretSocketForwarding', () => {
  it.each([
    [{ remoteBind: 'ok', roundTrip: 'ok' }, true, 'ok', 'yes'],
    [{ remoteBind: 'refused', roundTrip: 'refused' }, true, 'fail', 'no'],
    [{ remoteBind: 'ok', roundTrip: 'refused' }, true, 'fail', 'remote'],
    [{ remoteBind: 'refused', roundTrip: 'unknown' }, false, 'unknown', undefined],
    [{ remoteBind: 'unknown', roundTrip: 'unknown', message: 'Connection closed' }, true, 'unknown', undefined],
  ] as const)('%j (tmp writable %s) -> %s', (probe, tmpWritable, status, value) => {
    const found = interpretSocketForwarding(probe, 'login', tmpWritable);
    expect(found).toMatchObject({ check: 'socket-forwarding', status });
    expect(found.value).toBe(value);
    if (status === 'fail') expect(found.fix).toMatch(/AllowStreamLocalForwarding yes/);
  });
});

describe('interpretBindUnlink', () => {
  const refused = probeRun({
    stdout: ['rebound'],
    stderr: ['Warning: remote port forwarding failed for listen path /tmp/tnl-doctor-1.sock'],
  });
  it.each([
    ['second bind refused', 'ok', refused, 'ok', 'no'],
    ['second bind worked', 'ok', probeRun({ stdout: ['rebound'] }), 'ok', 'yes'],
    ['second probe never logged in', 'ok', probeRun({ exitCode: 255 }), 'unknown', undefined],
    ['first bind failed', 'refused', undefined, 'unknown', undefined],
  ] as const)('%s', (_name, first, second, status, value) => {
    const found = interpretBindUnlink(first, second, 'login', new Map());
    expect(found).toMatchObject({ check: 'socket-bind-unlink', status });
    expect(found.value).toBe(value);
  });
});

const info = (over: Partial<RemoteInfo>): RemoteInfo => ({ tmpWritable: true, sshdT: new Map(), ...over });

describe('interpretPathLength', () => {
  it.each([
    [info({ home: '/home/alice', os: 'Linux' }), 'ok', '95'],
    [info({ home: `/${'h'.repeat(80)}`, os: 'Linux' }), 'ok', '25'],
    [info({ home: `/${'h'.repeat(80)}`, os: 'Darwin' }), 'warn', '21'],
    [info({ home: `/${'h'.repeat(100)}`, os: 'Linux' }), 'fail', '5'],
    [info({}), 'unknown', undefined],
  ])('%j', (remote, status, value) => {
    const found = interpretPathLength(remote, 'login');
    expect(found.status).toBe(status);
    expect(found.value).toBe(value);
  });
});

describe('interpretHomePermissions', () => {
  it.each([
    [info({ homeMode: 0o700, homeOwner: 1000, uid: 1000 }), 'ok', /mode 700/],
    [info({ homeMode: 0o755, homeOwner: 1000, uid: 1000, tmpWritable: false }), 'warn', /NOT writable/],
    [info({ homeMode: 0o775, homeOwner: 1000, uid: 1000 }), 'warn', /writable by group or others \(mode 775\)/],
    [info({ homeMode: 0o700, homeOwner: 0, uid: 1000 }), 'warn', /owned by uid 0/],
    [info({}), 'unknown', /could not stat/],
  ])('%j', (remote, status, detail) => {
    const found = interpretHomePermissions(remote, 'login');
    expect(found.status).toBe(status);
    expect(found.detail).toMatch(detail);
  });
});

describe('parseRemoteInfo', () => {
  it('reads the info script and sshd -T lines', () => {
    const parsed = parseRemoteInfo([
      'user=alice',
      'home=/home/alice',
      'os=Linux',
      'uid=1000',
      'homemode=750',
      'homeowner=1000',
      'tmp=writable',
      'sshd: gatewayports no',
      'sshd: allowstreamlocalforwarding yes',
    ]);
    expect(parsed).toEqual({
      user: 'alice',
      home: '/home/alice',
      os: 'Linux',
      uid: 1000,
      homeMode: 0o750,
      homeOwner: 1000,
      tmpWritable: true,
      sshdT: new Map([
        ['gatewayports', 'no'],
        ['allowstreamlocalforwarding', 'yes'],
      ]),
    });
  });

  it('leaves out what the host could not tell', () => {
    expect(parseRemoteInfo(['user=', 'home=/h', 'homemode=', 'homeowner='])).toEqual({
      home: '/h',
      tmpWritable: false,
      sshdT: new Map(),
    });
  });
});
