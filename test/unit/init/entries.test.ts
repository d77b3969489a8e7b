import { describe, expect, it } from 'vitest';
import type { InitAnswers } from '../../../src/init/answers.js';
import { renderInitEntries } from '../../../src/init/entries.js';
import { checkEntries } from '../../../src/sshconfig/entries-file.js';
import type { TargetSettings } from '../../../src/sshconfig/target.js';

const ANSWERS: InitAnswers = {
  login: { user: undefined, host: 'login.hpc.edu', port: undefined },
  name: 'hpc',
  isolated: true,
  node: 'node042',
  nodePattern: 'node*',
  apps: [],
  sshConfig: undefined,
};

const LOGIN: TargetSettings = {
  hostName: 'login.hpc.edu',
  user: 'me',
  port: 22,
  identityFile: undefined,
  identitiesOnly: undefined,
  userKnownHostsFiles: undefined,
  hostKeyAlias: undefined,
  proxyJump: undefined,
  proxyCommand: undefined,
};

const directives = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.trim());

describe('renderInitEntries', () => {
  it('isolated: a login entry and a nodes entry that jumps through it', () => {
    const entries = renderInitEntries(ANSWERS, LOGIN);
    expect(entries.map((e) => e.name)).toEqual(['hpc', 'hpc-nodes']);
    expect(directives(entries[0]!.text)).toEqual([
      'Host hpc',
      'HostName login.hpc.edu',
      'User me',
      'Port 22',
      'ProxyJump none',
      'ServerAliveInterval 10',
      'ServerAliveCountMax 3',
      'ConnectTimeout 10',
    ]);
    expect(directives(entries[1]!.text)).toEqual([
      'Host node*',
      'ProxyJump hpc',
      'User me',
      'ServerAliveInterval 10',
      'ServerAliveCountMax 3',
    ]);
    expect(() => checkEntries(entries)).not.toThrow();
  });

  it.each<[string, Partial<InitAnswers>, Partial<TargetSettings>, string[]]>([
    [
      'not isolated: only the login entry',
      { isolated: false, node: undefined, nodePattern: undefined },
      {},
      ['Host hpc'],
    ],
    [
      'a key and known_hosts set by the user are copied',
      { isolated: false },
      { identityFile: '/home/me/.ssh/hpc key', identitiesOnly: true, userKnownHostsFiles: ['/k/known%h'] },
      ['IdentityFile "/home/me/.ssh/hpc key"', 'IdentitiesOnly yes', 'UserKnownHostsFile /k/known%%h'],
    ],
    ["the login node's own jump host is kept", { isolated: false }, { proxyJump: 'bastion' }, ['ProxyJump bastion']],
    [
      'a ProxyCommand is kept verbatim',
      { isolated: false },
      { proxyCommand: 'nc -X 5 -x proxy:1080 %h %p' },
      ['ProxyCommand nc -X 5 -x proxy:1080 %h %p'],
    ],
    ['a non-default port', { isolated: false }, { port: 2222 }, ['Port 2222']],
  ])('%s', (_, answers, login, expected) => {
    const entries = renderInitEntries({ ...ANSWERS, ...answers }, { ...LOGIN, ...login });
    const lines = entries.flatMap((e) => directives(e.text));
    for (const line of expected) expect(lines).toContain(line);
    if (answers.isolated === false) expect(entries).toHaveLength(1);
  });

  it('the nodes entry reuses the login key (shared home directory)', () => {
    const [, nodes] = renderInitEntries(ANSWERS, { ...LOGIN, identityFile: '/id', identitiesOnly: true });
    expect(directives(nodes!.text)).toEqual(expect.arrayContaining(['IdentityFile /id', 'IdentitiesOnly yes']));
  });

  it('refuses a user name ssh_config cannot hold', () => {
    expect(() => renderInitEntries(ANSWERS, { ...LOGIN, user: 'a\nHost *' })).toThrow(/newline or control character/);
  });
});
