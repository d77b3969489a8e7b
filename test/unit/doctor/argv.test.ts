import { describe, expect, it } from 'vitest';
import {
  cleanupArgv,
  gatewayArgv,
  loginArgv,
  rebindArgv,
  socketArgv,
  tcpArgv,
  type ProbeTarget,
} from '../../../src/doctor/argv.js';
import { remoteShell as remoteSh } from '../../../src/plan/remote-shell.js';

const target: ProbeTarget = { hop: { user: 'alice', host: 'login', port: 2222 }, sshConfig: '/cfg', connectTimeout: 7 };
const paths = { remote: '/tmp/tnl-doctor-abc.sock', localTarget: '/tmp/d/t.sock', localEntry: '/tmp/d/e.sock' };

describe('probe argv', () => {
  const all = {
    login: loginArgv(target),
    tcp: tcpArgv(target, 22),
    gateway: gatewayArgv(target, '/tmp/d/nobody.sock'),
    socket: socketArgv(target, paths),
    rebind: rebindArgv(target, paths),
    cleanup: cleanupArgv(target, paths.remote),
  };

  it.each(Object.entries(all))(
    '%s never prompts, is bounded, owns its connection and keeps host-key checking',
    (_name, argv) => {
      expect(argv.slice(0, 4)).toEqual(['ssh', '-T', '-F', '/cfg']);
      for (const option of [
        'BatchMode=yes',
        'ConnectTimeout=7',
        'ControlPath=none',
        'ControlMaster=no',
        'ExitOnForwardFailure=no',
        'RemoteCommand=none',
      ]) {
        expect(argv).toContain(option);
      }
      expect(argv.join(' ')).not.toMatch(/StrictHostKeyChecking|UserKnownHostsFile|ForkAfterAuthentication/);
      expect(argv).toEqual(expect.arrayContaining(['-p', '2222', 'alice@login']));
    },
  );

  it('asks for -R on * and then on 127.0.0.1, both to a dead local path', () => {
    expect(all.gateway.filter((_, i, a) => a[i - 1] === '-R')).toEqual([
      '*:0:/tmp/d/nobody.sock',
      '127.0.0.1:0:/tmp/d/nobody.sock',
    ]);
  });

  it('points -L at the socket its own -R creates', () => {
    expect(all.socket).toEqual(
      expect.arrayContaining([
        '-R',
        '/tmp/tnl-doctor-abc.sock:/tmp/d/t.sock',
        '-L',
        '/tmp/d/e.sock:/tmp/tnl-doctor-abc.sock',
      ]),
    );
  });

  it('removes only a socket the user owns', () => {
    expect(all.cleanup.at(-1)).toBe(
      `exec /bin/sh -c 'p=/tmp/tnl-doctor-abc.sock; if [ -S "$p" ] && [ -O "$p" ]; then rm -f -- "$p"; fi'`,
    );
  });

  it('-W targets the host itself', () => {
    expect(all.tcp).toEqual(expect.arrayContaining(['-W', '127.0.0.1:22']));
  });

  it('leaves out -F when no config file is given', () => {
    expect(loginArgv({ ...target, sshConfig: undefined })).not.toContain('-F');
  });
});

describe('remoteSh', () => {
  it.each([
    ['echo ready; read x', `exec /bin/sh -c 'echo ready; read x'`],
    [`echo 'x'`, `exec /bin/sh -c 'echo '\\''x'\\'''`],
  ])('%s', (script, command) => {
    expect(remoteSh(script)).toBe(command);
  });

  it('keeps the info script on one line without history characters (csh login shells)', () => {
    expect(loginArgv(target).at(-1)).not.toMatch(/[\n!]/);
  });
});
