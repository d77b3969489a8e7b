import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { answersFromFlags, whyNotAsking, type InitFlags } from '../../../src/init/from-flags.js';

const WHY = 'stdin is not a terminal, so init cannot ask';

describe('answersFromFlags: every answer from a flag or --yes', () => {
  it.each<[string, InitFlags, ReturnType<typeof answersFromFlags>]>([
    [
      'all flags, not isolated',
      { login: 'me@login.hpc.edu:2222', isolated: false, apps: 'jupyter', writeConfig: true },
      {
        answers: {
          login: { user: 'me', host: 'login.hpc.edu', port: 2222 },
          name: 'hpc',
          isolated: false,
          node: undefined,
          nodePattern: undefined,
          apps: ['jupyter'],
          sshConfig: undefined,
        },
        writeConfig: true,
      },
    ],
    [
      '--node implies --isolated; pattern from the node',
      { login: 'login.hpc.edu', node: 'node042', apps: 'none', writeConfig: false },
      {
        answers: {
          login: { user: undefined, host: 'login.hpc.edu', port: undefined },
          name: 'hpc',
          isolated: true,
          node: 'node042',
          nodePattern: 'node*',
          apps: [],
          sshConfig: undefined,
        },
        writeConfig: false,
      },
    ],
    [
      '--yes: not isolated, no apps, ssh_config untouched',
      { login: 'cluster', yes: true },
      {
        answers: {
          login: { user: undefined, host: 'cluster', port: undefined },
          name: 'cluster',
          isolated: false,
          node: undefined,
          nodePattern: undefined,
          apps: [],
          sshConfig: undefined,
        },
        writeConfig: false,
      },
    ],
    [
      '--yes --write-config, own name and pattern, -F',
      {
        login: 'u@10.1.2.3',
        yes: true,
        isolated: true,
        node: 'c12',
        nodePattern: 'c??',
        name: 'lab',
        writeConfig: true,
        sshConfig: '/tmp/cfg',
        apps: 'paraview,expose',
      },
      {
        answers: {
          login: { user: 'u', host: '10.1.2.3', port: undefined },
          name: 'lab',
          isolated: true,
          node: 'c12',
          nodePattern: 'c??',
          apps: ['paraview', 'expose'],
          sshConfig: '/tmp/cfg',
        },
        writeConfig: true,
      },
    ],
  ])('%s', (_, flags, expected) => expect(answersFromFlags(flags, WHY)).toEqual(expected));

  it.each<[string, InitFlags, string]>([
    [
      'nothing at all',
      {},
      'init: missing --login, --isolated or --no-isolated, --apps, --write-config or --no-write-config (stdin is not a terminal, so init cannot ask); pass them, or run tunnel init in a terminal',
    ],
    [
      'only the login',
      { login: 'x' },
      'init: missing --isolated or --no-isolated, --apps, --write-config or --no-write-config',
    ],
    [
      'isolated without a node',
      { login: 'x', isolated: true, apps: 'none', writeConfig: false },
      'init: missing --node (stdin',
    ],
    [
      '--yes cannot invent a login',
      { yes: true },
      'init: missing --login (no default exists, even with --yes); pass it',
    ],
    ['--yes cannot invent a node', { yes: true, login: 'x', isolated: true }, 'init: missing --node'],
  ])('%s -> one BAD_OPTION line', (_, flags, message) => {
    let error: unknown;
    try {
      answersFromFlags(flags, whyNotAsking(flags, false));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TunnelError);
    expect((error as TunnelError).code).toBe('BAD_OPTION');
    expect((error as TunnelError).message).toContain(message);
    expect((error as TunnelError).message).not.toContain('\n');
  });

  it.each<[string, InitFlags, RegExp]>([
    [
      '--node with --no-isolated',
      { login: 'x', isolated: false, node: 'n1', apps: '', writeConfig: false },
      /contradicts --no-isolated/,
    ],
    ['bad login', { login: 'a b', isolated: false, apps: '', writeConfig: false }, /--login 'a b'/],
    ['bad app', { login: 'x', isolated: false, apps: 'emacs', writeConfig: false }, /unknown app 'emacs'/],
    [
      'pattern matching the login',
      { login: 'nodehead', node: 'node1', apps: '', writeConfig: false },
      /also matches the login node 'nodehead'/,
    ],
  ])('%s -> BAD_SPEC', (_, flags, message) => expect(() => answersFromFlags(flags, WHY)).toThrow(message));
});

describe('whyNotAsking', () => {
  it.each<[InitFlags, boolean, string]>([
    [{}, false, 'stdin is not a terminal, so init cannot ask'],
    [{}, true, 'stdout is not a terminal, so init cannot ask'],
    [{ yes: true }, true, 'no default exists, even with --yes'],
    [{ json: true }, true, '--json never asks'],
  ])('%j terminal=%s', (flags, terminal, why) => expect(whyNotAsking(flags, terminal)).toBe(why));
});
