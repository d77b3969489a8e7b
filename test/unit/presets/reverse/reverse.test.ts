import { describe, expect, it } from 'vitest';
import { findPreset } from '../../../../src/presets/load.js';
import { listenerPort, resolveReverseUp, reverseReport } from '../../../../src/presets/reverse/reverse-up.js';
import { planReverse, remoteCommandLine } from '../../../../src/presets/reverse/reverse.js';
import { renderSshConfigEntry } from '../../../../src/presets/reverse/ssh-config-entry.js';
import type { ReversePreset } from '../../../../src/presets/types.js';

const reversePreset = async (name: string) => (await findPreset(name)) as ReversePreset;

describe('reverse presets plan one -R to the target loopback', () => {
  it.each([
    ['workqueue', { via: ['headnode'], port: 9123 }, ['0:localhost:9123'], 'direct'],
    ['workqueue', { via: ['headnode'], remotePort: '10001' }, ['10001:localhost:9123'], 'direct'],
    ['expose', { via: ['jump'] }, ['0:localhost:22'], 'direct'],
    ['paraview', { via: ['login'], to: 'node' }, ['0:localhost:11111'], 'jump'],
    ['paraview', { via: ['login'], port: '22222', remotePort: 11111 }, ['11111:localhost:22222'], 'direct'],
  ])('%s %j', async (name, input, remote, layout) => {
    const plan = planReverse(await reversePreset(name), input);
    expect(plan.options.remote).toEqual(remote);
    expect(plan.options.local).toBeUndefined();
    expect(plan.layout).toBe(layout);
  });

  it('paraview with --to puts the listener on the node itself: ssh -J login -R ... node', async () => {
    const up = resolveReverseUp(await reversePreset('paraview'), { via: ['login'], to: 'node', sshConfig: '/c' });
    const dry = up.dryRun().join('\n');
    expect(dry).toMatch(/ -J login -R 0:localhost:11111 node$/m);
    expect(dry).not.toMatch(/GatewayPorts/);
  });

  it.each([
    [
      'no --launch: the printed pvserver command',
      undefined,
      'pvserver --reverse-connection --client-host=localhost --server-port=40001',
    ],
    [
      '--launch prefix gets the reverse-connection arguments',
      'mpiexec -n 4 pvserver',
      'mpiexec -n 4 pvserver --reverse-connection --client-host=localhost --server-port=40001',
    ],
    ['--launch with {port} is taken as written', 'srun pv --port={port} --x', 'srun pv --port=40001 --x'],
  ])('%s', async (_, launch, expected) => {
    const plan = planReverse(await reversePreset('paraview'), { via: ['login'], to: 'node', launch });
    expect(remoteCommandLine(plan, 40001)).toBe(expected);
  });

  it('reports the allocated port, which layout was used, and the pvserver command', async () => {
    const plan = planReverse(await reversePreset('paraview'), { via: ['login'], to: 'node' });
    const port = listenerPort(plan, {
      forwards: () => [
        { direction: 'R', listen: 'localhost:40001 on node', target: 'localhost:11111', allocatedPort: 40001 },
      ],
    });
    const report = reverseReport(plan, port);
    expect(report.json).toMatchObject({
      remotePort: 40001,
      layout: 'jump',
      listenerOn: 'node',
      remoteCommand: 'pvserver --reverse-connection --client-host=localhost --server-port=40001',
    });
    expect(report.lines.join('\n')).toMatch(
      /layout: jump \(ssh -J login -R 40001:localhost:11111 node\): the listener is on node's own loopback, so no GatewayPorts is needed/,
    );
    const direct = reverseReport(planReverse(await reversePreset('paraview'), { via: ['login'] }), 40001);
    expect(direct.lines.join('\n')).toMatch(
      /layout: direct .* unless login's sshd has GatewayPorts, so to run on a node pass --via login --to NODE/,
    );
  });

  it('fails clearly when the server never said which port it allocated', async () => {
    const plan = planReverse(await reversePreset('workqueue'), { via: ['headnode'] });
    expect(() => listenerPort(plan, { forwards: () => [{ direction: 'R', listen: 'x', target: 'y' }] })).toThrow(
      /did not say which port it allocated/,
    );
  });

  it('workqueue tells how to render the worker script for the allocated port', async () => {
    const report = reverseReport(planReverse(await reversePreset('workqueue'), { via: ['me@headnode'] }), 40002);
    expect(report.json.workerCommand).toEqual([
      'tunnel',
      'worker',
      'workqueue',
      'JOBNAME',
      '--head',
      'me@headnode',
      '--head-port',
      '40002',
    ]);
  });

  it('expose prints the ssh_config entry (also in --json) with every hop in ProxyJump', async () => {
    const report = reverseReport(
      planReverse(await reversePreset('expose'), { via: ['gw', 'jump'], name: 'lab-pc' }),
      40003,
    );
    const entry = 'Host lab-pc\n  HostName localhost\n  Port 40003\n  HostKeyAlias lab-pc\n  ProxyJump gw,jump\n';
    expect(report.json.sshConfigEntry).toBe(entry);
    expect(report.json.host).toBe('lab-pc');
    expect(report.lines.join('\n')).toContain(entry.trimEnd());
  });
});

describe('renderSshConfigEntry', () => {
  it.each([
    [
      { alias: 'box', port: 2222, proxyJump: ['jump'] },
      'Host box\n  HostName localhost\n  Port 2222\n  HostKeyAlias box\n  ProxyJump jump\n',
    ],
    [
      { alias: 'b', port: 1, proxyJump: ['u@a:2200', '[::1]:22'] },
      'Host b\n  HostName localhost\n  Port 1\n  HostKeyAlias b\n  ProxyJump u@a:2200,[::1]:22\n',
    ],
  ])('%j', (input, text) => {
    expect(renderSshConfigEntry(input)).toBe(text);
  });
});
