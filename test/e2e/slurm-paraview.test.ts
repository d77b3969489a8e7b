import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Spawned } from '../harness/node-exec.js';
import { ancestors } from '../harness/proc.js';
import { canRunSlurm, startSlurm, type Slurm } from '../harness/slurm.js';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';

/*
 * `tunnel up paraview --via login --slurm ...` against real Slurm and real ParaView in the
 * namespaces: pvpython waits on the laptop (ReverseConnect 11111), the job runs pvserver on its
 * node once the tunnel has built its -R there and told the job the port, and a Sphere computed by
 * that pvserver reaches the laptop.
 */
const can = canBuildTopology();
const slurmOk = canRunSlurm();
const pvOk = existsSync('/usr/bin/pvserver') && existsSync('/usr/bin/pvpython');
const why = !can.ok
  ? can.why
  : !slurmOk.ok
    ? slurmOk.why
    : !pvOk
      ? 'no /usr/bin/pvserver or /usr/bin/pvpython (apt-get install paraview)'
      : undefined;
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

// The client stays connected until the test removes its hold file: pvserver exits when its client leaves.
const PV_CLIENT = `
import os, sys, time
from paraview.simple import *
ReverseConnect(sys.argv[1])
s = Sphere()
s.UpdatePipeline()
print("POINTS", s.GetDataInformation().GetNumberOfPoints(), flush=True)
while os.path.exists(sys.argv[2]):
    time.sleep(0.1)
Disconnect()
`;

// srun starts it by its full path (/usr/bin/pvserver), the batch shell by its name.
const PVSERVER = /^(\S*\/)?pvserver /;

/*
 * Down cancels the job before it closes the tunnel: otherwise pvserver, losing its client through the
 * -R, exits 0 and the job ends COMPLETED just before the scancel lands.
 */
const ENDED = /^CANCELLED$/;

interface Listed {
  name: string;
  state: string;
  job?: { id: string; node: string | null; state: string; submitted: boolean };
}

if (why !== undefined) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e ParaView in a Slurm job: ${why}\n${'!'.repeat(72)}\n`);
  it.skip(`slurm paraview e2e (skipped: ${why})`, () => undefined);
} else {
  describe(
    'tunnel up paraview --slurm: pvserver runs in the job and connects back to pvpython on the laptop',
    { timeout: 150_000 },
    () => {
      let t: Topology;
      let slurm: Slurm;
      let stateDir: string;
      let clientScript: string;
      const running: Spawned[] = [];
      const env = () => ({ TUNNEL_HOME: stateDir, NO_COLOR: '1' });

      const cli = (args: string[], timeoutMs = 90_000) =>
        t.exec('laptop', ['node', CLI, ...args], { env: env(), timeoutMs });
      const upArgs = (args: string[]) => [
        'node',
        CLI,
        'up',
        'paraview',
        '-F',
        t.sshConfigPath,
        '--via',
        'login',
        ...args,
      ];
      const pvserversOnNode = async () => (await t.pids('node', /pvserver/)).join(' ');
      const queued = async () => (await slurm.admin(['squeue', '-h', '-t', 'all', '-o', '%i'])).stdout;
      /** pvpython waiting for pvserver on the laptop's port 11111; remove `hold` to let it disconnect. */
      const pvClient = async () => {
        const hold = join(stateDir, `hold-${running.length}`);
        await writeFile(hold, '');
        const client = await t.spawn('laptop', ['timeout', '120', '/usr/bin/pvpython', clientScript, '11111', hold]);
        running.push(client);
        await client.waitForOutput(/Accepting connection\(s\)/, 60_000);
        return { client, release: () => rm(hold, { force: true }) };
      };
      const points = (client: Spawned, tunnelOutput: () => string) =>
        client.waitForOutput(/^POINTS 50$/m, 90_000).catch((e: Error) => {
          throw new Error(`${e.message}\ntunnel output:\n${tunnelOutput()}`);
        });

      beforeAll(async () => {
        t = await buildTopology();
        slurm = await startSlurm(t);
        stateDir = await mkdtemp(join(tmpdir(), 'tnl-e2e-slurm-pv-'));
        clientScript = join(stateDir, 'pv-client.py');
        await writeFile(clientScript, PV_CLIENT, { mode: 0o644 });
      }, 180_000);
      afterAll(async () => {
        await cli(['down', '--all']).catch(() => undefined);
        for (const child of running.reverse()) await child.kill('SIGKILL').catch(() => undefined);
        await slurm?.stop();
        await t?.teardown();
        if (stateDir) await rm(stateDir, { recursive: true, force: true });
      });

      it("--launch 'srun pvserver': a Sphere through the job's pvserver; pvserver runs in a job step; Ctrl-C ends the job and leaves nothing", async () => {
        const { client, release } = await pvClient();
        const t0 = Date.now();
        const up = await t.spawn('laptop', upArgs(['--slurm', '-t 5', '--launch', 'srun pvserver', '--json']), {
          env: env(),
        });
        running.push(up);
        await points(client, () => up.output());
        console.info(
          `e2e slurm paraview: up -> POINTS 50 in ${Date.now() - t0} ms (submit, job start, -R on the node, port told, srun pvserver, reverse connection, Sphere)`,
        );
        const json = JSON.parse(
          up
            .output()
            .split('\n')
            .find((l) => l.startsWith('{"name"'))!,
        ) as { job: { id: string; node: string; state: string } };
        expect(json.job).toMatchObject({ node: 'isolated-node', state: 'RUNNING' });
        const id = String(json.job.id);
        // srun made a step of the job: pvserver's parent is that step's slurmstepd, not an ssh session.
        const [pid] = await t.pids('node', PVSERVER);
        expect(pid, up.output()).toBeDefined();
        const chain = await ancestors(pid!);
        expect(chain, chain.join('\n')).toEqual(expect.arrayContaining([`slurmstepd: [${id}.0]`]));
        expect(chain.join('\n')).not.toMatch(/sshd/);
        expect(await slurm.state(id)).toBe('RUNNING');

        const t1 = Date.now();
        await up.kill('SIGINT');
        expect(await up.exited).toBe(130);
        expect(await slurm.waitForState(id, ENDED, 10_000)).toMatch(ENDED);
        console.info(
          `e2e slurm paraview: Ctrl-C -> exit 130 and job ${await slurm.state(id)} in ${Date.now() - t1} ms`,
        );
        await expect.poll(pvserversOnNode, { timeout: 10_000 }).toBe('');
        await expect.poll(() => slurm.stepPids(), { timeout: 10_000 }).toEqual([]);
        await release();
        await client.kill('SIGKILL');
      });

      it('-d --name pv: returns with the job on its node; ls shows the job; down ends it and leaves nothing', async () => {
        const { client, release } = await pvClient();
        const t0 = Date.now();
        const up = await cli([
          'up',
          'paraview',
          '-F',
          t.sshConfigPath,
          '--via',
          'login',
          '--slurm',
          '-t 5',
          '--launch',
          'srun pvserver',
          '-d',
          '--name',
          'pv',
          '--json',
        ]);
        expect(up.exitCode, up.stderr).toBe(0);
        const json = JSON.parse(up.stdout) as { name: string; job: { id: string; node: string; state: string } };
        expect(json).toMatchObject({ name: 'pv', job: { node: 'isolated-node', state: 'RUNNING' } });
        const id = String(json.job.id);
        await points(client, () => `${up.stdout}\n${up.stderr}`);
        console.info(`e2e slurm paraview -d: up -> POINTS 50 in ${Date.now() - t0} ms`);

        const listed = (JSON.parse((await cli(['ls', '--json'])).stdout) as Listed[]).find((l) => l.name === 'pv');
        expect(listed).toMatchObject({
          state: 'up',
          job: { id, node: 'isolated-node', state: 'RUNNING', submitted: true },
        });
        const [pid] = await t.pids('node', PVSERVER);
        expect(await ancestors(pid!)).toEqual(expect.arrayContaining([`slurmstepd: [${id}.0]`]));

        const down = await cli(['down', 'pv']);
        expect(down.exitCode, down.stderr).toBe(0);
        expect(await slurm.waitForState(id, ENDED, 10_000)).toMatch(ENDED);
        await expect.poll(pvserversOnNode, { timeout: 10_000 }).toBe('');
        expect(
          (JSON.parse((await cli(['ls', '--json'])).stdout) as Listed[]).find((l) => l.name === 'pv'),
        ).toBeUndefined();
        await release();
        await client.kill('SIGKILL');
      });

      it.each([
        [
          ['--launch', ''],
          "tunnel: --launch: empty command (e.g. --launch pvserver or --launch 'mpiexec -n 4 pvserver')",
        ],
        [['--slurm', '--bogus'], "tunnel: sbatch on login refused the job: sbatch: unrecognized option '--bogus'"],
      ])('bad input %j: one line, exit 2, nothing submitted', async (args, message) => {
        const before = await queued();
        const slurmArgs = args[0] === '--slurm' ? args : ['--slurm', '-t 5', ...args];
        const up = await cli(['up', 'paraview', '-F', t.sshConfigPath, '--via', 'login', ...slurmArgs]);
        expect(up.exitCode).toBe(2);
        expect(`${up.stdout}${up.stderr}`.trim()).toBe(message);
        expect(await queued()).toBe(before);
      });
    },
  );
}
