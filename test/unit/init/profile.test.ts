import { describe, expect, it } from 'vitest';
import type { InitAnswers } from '../../../src/init/answers.js';
import { toProfile, toTunnelDefaults } from '../../../src/init/profile.js';
import { toSavedTunnel } from '../../../src/saved/validate.js';

const BASE: InitAnswers = {
  login: { user: 'me', host: 'login.hpc.edu', port: undefined },
  name: 'hpc',
  isolated: false,
  node: undefined,
  nodePattern: undefined,
  apps: [],
  sshConfig: undefined,
};

const CASES: Array<[string, Partial<InitAnswers>, ReturnType<typeof toTunnelDefaults>, ReturnType<typeof toProfile>]> =
  [
    [
      'not isolated, no apps: tunnels end on the login node',
      {},
      { to: 'me@login.hpc.edu' },
      { defaults: {}, tunnels: {} },
    ],
    [
      'isolated: the login node becomes the default hop',
      { isolated: true, node: 'node042', nodePattern: 'node*' },
      { via: ['me@login.hpc.edu'], to: 'node042' },
      { defaults: { via: ['me@login.hpc.edu'] }, tunnels: {} },
    ],
    [
      'apps become saved tunnels NAME-app using their preset',
      {
        isolated: true,
        node: 'n1',
        nodePattern: 'n*',
        apps: ['jupyter', 'paraview'],
        login: { user: undefined, host: '127.0.0.1', port: 2222 },
      },
      { via: ['127.0.0.1:2222'], to: 'n1' },
      {
        defaults: { via: ['127.0.0.1:2222'] },
        tunnels: {
          'hpc-jupyter': { via: ['127.0.0.1:2222'], to: 'n1', preset: 'jupyter' },
          'hpc-paraview': { via: ['127.0.0.1:2222'], to: 'n1', preset: 'paraview' },
        },
      },
    ],
    [
      '-F travels with every tunnel',
      { apps: ['expose'], sshConfig: '/home/me/cfg' },
      { to: 'me@login.hpc.edu', sshConfig: '/home/me/cfg' },
      {
        defaults: {},
        tunnels: { 'hpc-expose': { to: 'me@login.hpc.edu', sshConfig: '/home/me/cfg', preset: 'expose' } },
      },
    ],
  ];

describe('toTunnelDefaults / toProfile', () => {
  it.each(CASES)('%s', (_, over, options, profile) => {
    const answers = { ...BASE, ...over };
    expect(toTunnelDefaults(answers)).toEqual(options);
    expect(toProfile(answers)).toEqual(profile);
  });

  it.each(CASES)("%s: every saved tunnel passes the store's validation", (_, over) => {
    for (const input of Object.values(toProfile({ ...BASE, ...over }).tunnels))
      expect(() => toSavedTunnel(input)).not.toThrow();
  });
});
