import { describe, expect, it } from 'vitest';
import { connectArgv } from '../../../src/init/check.js';

describe('connectArgv: the test login', () => {
  it.each<[string, Parameters<typeof connectArgv>, string[]]>([
    ['terminal: may prompt', [{ user: 'me', host: 'login', port: 2222 }, { sshConfig: undefined, interactive: true }], ['ssh', '-o', 'ConnectTimeout=10', '-p', '2222', '--', 'me@login', 'true']],
    ['no terminal: BatchMode, never waits', [{ user: undefined, host: 'login', port: undefined }, { sshConfig: '/c', interactive: false }], ['ssh', '-F', '/c', '-o', 'ConnectTimeout=10', '-o', 'BatchMode=yes', '--', 'login', 'true']],
    ['a node through the login node', [{ user: 'me', host: 'node7', port: undefined }, { sshConfig: undefined, interactive: false, jump: { user: 'me', host: 'login', port: 22 } }],
      ['ssh', '-o', 'ConnectTimeout=10', '-o', 'BatchMode=yes', '-J', 'me@login:22', '--', 'me@node7', 'true']],
  ])('%s', (_, args, argv) => expect(connectArgv(...args)).toEqual(argv));
});
