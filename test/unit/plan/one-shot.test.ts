import { describe, expect, it } from 'vitest';
import { planOneShot, type OneShotOptions, type OneShotTarget } from '../../../src/plan/one-shot.js';
import { parseHop } from '../../../src/model/hop.js';

const LOGIN: OneShotTarget = { via: [], to: parseHop('login'), sshConfig: undefined, connectTimeout: 10 };
const NODE: OneShotTarget = {
  via: [parseHop('login')],
  to: parseHop('me@node7:2222'),
  sshConfig: '/etc/t/ssh_config',
  connectTimeout: 5,
};
const FRESH = ['-o', 'ControlMaster=no', '-o', 'ControlPath=none'];

describe('planOneShot: the one argv of a short-lived remote command', () => {
  it.each<[string, OneShotTarget, string | undefined, OneShotOptions, string[]]>([
    [
      'a script on the login node, batch mode and a connection of its own',
      LOGIN,
      'squeue -j 1',
      {},
      [
        'ssh',
        '-T',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=10',
        ...FRESH,
        'login',
        "exec /bin/sh -c 'squeue -j 1'",
      ],
    ],
    [
      'through a hop, -F and the target user and port',
      NODE,
      'true',
      { batchMode: false },
      [
        'ssh',
        '-T',
        '-F',
        '/etc/t/ssh_config',
        '-o',
        'ConnectTimeout=5',
        ...FRESH,
        '-J',
        'login',
        '-p',
        '2222',
        'me@node7',
        'exec /bin/sh -c true',
      ],
    ],
    [
      'riding a master, with a pty so the remote side is hung up with this ssh',
      LOGIN,
      'sleep 1',
      { master: { controlPath: '/run/t d/m.sock', persistSeconds: 60 }, tty: true },
      [
        'ssh',
        '-tt',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=10',
        '-o',
        'ControlMaster=auto',
        '-S',
        '/run/t d/m.sock',
        '-o',
        'ControlPersist=60',
        '-e',
        'none',
        'login',
        "exec /bin/sh -c 'sleep 1'",
      ],
    ],
    [
      'a probe: extra options and forwards, no command',
      LOGIN,
      undefined,
      { options: ['LogLevel=INFO'], extra: ['-W', 'node7:22'] },
      [
        'ssh',
        '-T',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=10',
        ...FRESH,
        '-o',
        'LogLevel=INFO',
        '-W',
        'node7:22',
        'login',
      ],
    ],
  ])('%s', (_what, target, script, options, expected) => {
    expect(planOneShot(target, script, options)).toEqual(expected);
  });
});
