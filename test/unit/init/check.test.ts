import { describe, expect, it } from 'vitest';
import { connectArgv } from '../../../src/init/check.js';

/** A login of its own, not through someone's master, running `true` with /bin/sh. */
const FRESH = ['-o', 'ControlMaster=no', '-o', 'ControlPath=none'];
const TRUE = 'exec /bin/sh -c true';

describe('connectArgv: the test login', () => {
  it.each<[string, Parameters<typeof connectArgv>, string[]]>([
    [
      'terminal: may prompt',
      [
        { user: 'me', host: 'login', port: 2222 },
        { sshConfig: undefined, interactive: true },
      ],
      ['ssh', '-T', '-o', 'ConnectTimeout=10', ...FRESH, '-p', '2222', 'me@login', TRUE],
    ],
    [
      'no terminal: BatchMode, never waits',
      [
        { user: undefined, host: 'login', port: undefined },
        { sshConfig: '/c', interactive: false },
      ],
      ['ssh', '-T', '-F', '/c', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', ...FRESH, 'login', TRUE],
    ],
    [
      'a node through the login node',
      [
        { user: 'me', host: 'node7', port: undefined },
        { sshConfig: undefined, interactive: false, jump: { user: 'me', host: 'login', port: 22 } },
      ],
      ['ssh', '-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', ...FRESH, '-J', 'me@login:22', 'me@node7', TRUE],
    ],
  ])('%s', (_, args, argv) => expect(connectArgv(...args)).toEqual(argv));
});
