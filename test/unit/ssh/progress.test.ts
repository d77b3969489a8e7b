import { describe, expect, it } from 'vitest';
import { emptyProgress, readLine, type Stream } from '../../../src/ssh/progress.js';
import { diagnose } from '../../../src/ssh/diagnose.js';

const feed = (lines: Array<[string, Stream?]>) =>
  lines.reduce((progress, [line, stream]) => readLine(progress, line, stream ?? 'stderr'), emptyProgress());

// Lines as OpenSSH 9.2 prints them with -v (captured from real runs).
describe('readLine', () => {
  it('sees the session and -R replies, pairing allocated ports in request order', () => {
    const progress = feed([
      ["debug1: Authenticating to 127.0.0.1:42022 as 'root'"],
      ['Authenticated to 127.0.0.1 ([127.0.0.1]:42022) using "publickey".'],
      ['debug1: Local forwarding listening on 127.0.0.1 port 43001.'],
      ['debug1: Entering interactive session.'],
      ['debug1: remote forward success for: listen 0, connect localhost:80'],
      ['Allocated port 35237 for remote forward to localhost:80'],
      ['debug1: remote forward success for: listen 43002, connect localhost:80'],
      ['debug1: forwarding_success: all expected forwarding replies received'],
    ]);
    expect(progress.authenticated).toBe(1);
    expect(progress.lastHost).toBe('127.0.0.1');
    expect(progress.session).toBe(true);
    expect(progress.remoteForwardsDone).toBe(true);
    expect(progress.remoteForwards).toEqual([
      { listen: '0', allocated: 35237 },
      { listen: '43002', allocated: undefined },
    ]);
    expect(progress.tail).toEqual([
      'Authenticated to 127.0.0.1 ([127.0.0.1]:42022) using "publickey".',
      'Allocated port 35237 for remote forward to localhost:80',
    ]);
  });

  it("reads a relay's inner session from stdout (pty, CRLF) apart from the outer one", () => {
    const progress = feed([['debug1: Entering interactive session.\r', 'stdout']]);
    expect(progress.relayInnerSession).toBe(true);
    expect(progress.session).toBe(false);
  });
});

describe('diagnose names the hop and OpenSSH reason', () => {
  const facts = { argv: ['ssh'], exitCode: 255, signal: null, hop: 'node' };
  it.each([
    ['Permission denied (publickey).', 'AUTH_FAILED'],
    ['Permission denied (publickey,password).', 'NEEDS_AUTH'],
    ['@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @', 'HOST_KEY_MISMATCH'],
    ['No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.', 'HOST_KEY_UNKNOWN'],
    ['Host key verification failed.', 'HOST_KEY_UNKNOWN'],
    ['channel 2: open failed: administratively prohibited: open failed', 'FORWARD_REFUSED'],
    ['Error: remote port forwarding failed for listen port 10001', 'FORWARD_REFUSED'],
    ['Error: remote port forwarding failed for listen path /tmp/r.sock', 'FORWARD_REFUSED'],
    ['bind [127.0.0.1]:42022: Address already in use', 'PORT_IN_USE'],
    ['unix_listener: cannot bind to path /tmp/l.sock: Address already in use', 'SOCKET_IN_USE'],
    ['ssh: Could not resolve hostname nowhere: Name or service not known', 'CONNECT_FAILED'],
    ['ssh: connect to host 10.0.0.1 port 22: Connection refused', 'CONNECT_FAILED'],
    ['stdio forwarding failed', 'CONNECT_FAILED'],
    ['Timeout, server login not responding.', 'SSH_EXITED'],
  ])('%s -> %s', (line, code) => {
    const error = diagnose(feed([['debug1: Connecting to login [10.0.0.2] port 22.'], [line]]), facts);
    expect(error.code).toBe(code);
    expect(error.hop).toBe('login');
    expect(error.sshMessage).toBe(line);
    expect(error.message).toContain(line);
  });

  it('falls back to the exit status and the last line', () => {
    const error = diagnose(feed([['something odd']]), { ...facts, exitCode: 1 });
    expect(error.code).toBe('SSH_EXITED');
    expect(error.message).toBe('node: ssh exited with code 1: something odd');
  });
});

describe('readiness with -J', () => {
  it("ignores the jump process's own session line: only a session after the listeners counts", () => {
    const jumpFirst = feed([['debug1: Entering interactive session.']]);
    expect(jumpFirst.session).toBe(true);
    const mainBinding = readLine(jumpFirst, 'debug1: Local forwarding listening on 127.0.0.1 port 8899.', 'stderr');
    expect(mainBinding.session).toBe(false);
    expect(mainBinding.listening).toBe(1);
    expect(readLine(mainBinding, 'debug1: Entering interactive session.', 'stderr').session).toBe(true);
  });
});

describe('diagnose ranking', () => {
  it('a -J hop that cannot open the onward connection names that, not the banner error after it', () => {
    const error = diagnose(
      feed([
        ['channel 0: open failed: connect failed: Connection refused'],
        ['stdio forwarding failed'],
        ['kex_exchange_identification: Connection closed by remote host'],
      ]),
      { argv: ['ssh'], exitCode: 255, signal: null, hop: 'node' },
    );
    expect(error.code).toBe('CONNECT_FAILED');
    expect(error.sshMessage).toBe('channel 0: open failed: connect failed: Connection refused');
  });

  it('no ssh on PATH is SSH_NOT_FOUND with the fix', () => {
    const error = diagnose(emptyProgress(), { argv: ['ssh'], exitCode: null, signal: null, hop: 'h', notFound: true });
    expect(error.code).toBe('SSH_NOT_FOUND');
    expect(error.message).toMatch(/install the OpenSSH client/);
  });
});
