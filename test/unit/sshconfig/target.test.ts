import { describe, expect, it } from 'vitest';
import { pickTargetSettings, splitKnownHostsFiles } from '../../../src/sshconfig/target.js';
import type { Hop } from '../../../src/model/types.js';

const DEFAULTS = new Map([
  ['hostname', 'node'],
  ['user', 'me'],
  ['port', '22'],
  ['identityfile', '~/.ssh/id_rsa'],
  ['identitiesonly', 'no'],
  ['userknownhostsfile', '/home/me/.ssh/known_hosts /home/me/.ssh/known_hosts2'],
]);
const hop = (over: Partial<Hop> = {}): Hop => ({ user: undefined, host: 'node', port: undefined, ...over });
const resolved = (over: Record<string, string>) => new Map([...DEFAULTS, ...Object.entries(over)]);

describe('pickTargetSettings', () => {
  it.each([
    [
      'nothing configured: only the essentials',
      hop(),
      resolved({}),
      {
        hostName: 'node',
        user: 'me',
        port: 22,
        identityFile: undefined,
        userKnownHostsFiles: undefined,
        proxyJump: undefined,
      },
    ],
    [
      'alias: HostName, User, Port as resolved',
      hop(),
      resolved({ hostname: '10.0.0.5', user: 'bob', port: '2222' }),
      { hostName: '10.0.0.5', user: 'bob', port: 2222 },
    ],
    [
      'hop user and port override the config, as -l/-p do',
      hop({ user: 'al', port: 2200 }),
      resolved({ user: 'bob', port: '2222' }),
      { user: 'al', port: 2200 },
    ],
    [
      'IdentityFile only when changed',
      hop(),
      resolved({ identityfile: '~/.ssh/work' }),
      { identityFile: '~/.ssh/work' },
    ],
    ['IdentitiesOnly yes', hop(), resolved({ identitiesonly: 'yes' }), { identitiesOnly: true }],
    [
      'known hosts only when changed',
      hop(),
      resolved({ userknownhostsfile: '/tmp/kh' }),
      { userKnownHostsFiles: ['/tmp/kh'] },
    ],
    ['ProxyJump of the target alias', hop(), resolved({ proxyjump: 'login' }), { proxyJump: 'login' }],
    ['ProxyCommand of the target alias', hop(), resolved({ proxycommand: 'nc %h %p' }), { proxyCommand: 'nc %h %p' }],
    ['ProxyJump none is not a jump', hop(), resolved({ proxyjump: 'none' }), { proxyJump: undefined }],
    ['HostKeyAlias', hop(), resolved({ hostkeyalias: 'node-key' }), { hostKeyAlias: 'node-key' }],
  ])('%s', (_, h, r, expected) => {
    expect(pickTargetSettings(h, r, DEFAULTS)).toMatchObject(expected);
  });
});

describe('splitKnownHostsFiles', () => {
  it.each([
    ['one', '/a/kh', ['/a/kh']],
    ['two', '/a/kh /b/kh2', ['/a/kh', '/b/kh2']],
    ['a space inside a path stays', '/tmp/with space/kh /tmp/kh2', ['/tmp/with space/kh', '/tmp/kh2']],
    ['tilde', '~/.ssh/kh /x', ['~/.ssh/kh', '/x']],
  ])('%s', (_, value, expected) => expect(splitKnownHostsFiles(value)).toEqual(expected));
});
