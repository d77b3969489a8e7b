import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Spawned } from '../harness/node-exec.js';
import { canRunSlurm, startSlurm, type Slurm } from '../harness/slurm.js';
import { stageForCluster } from '../harness/stage.js';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';

/*
 * A queued job is precious: a held job (sbatch -H) waited for by a foreground `up --slurm` keeps
 * its place through a blackhole of the laptop-login link and killed sshd sessions on login (each
 * said as a 'retrying' event, never a cancel), stays PENDING and alone, and after
 * `scontrol release` the tunnel answers.
 */
const can = canBuildTopology();
const slurmOk = canRunSlurm();
const why = !can.ok ? can.why : !slurmOk.ok ? slurmOk.why : undefined;
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const HTTP_SOURCE = fileURLToPath(new URL('../fixtures/http-unix-server.mjs', import.meta.url));

if (why !== undefined) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e Slurm queue hiccups: ${why}\n${'!'.repeat(72)}\n`);
  it.skip(`slurm queue hiccups e2e (skipped: ${why})`, () => undefined);
} else {
  describe('a queued job survives hiccups while it waits', { timeout: 180_000 }, () => {
    let t: Topology;
    let slurm: Slurm;
    let stateDir: string;
    let http: { path: string; remove: () => Promise<void> };
    let up: Spawned | undefined;

    beforeAll(async () => {
      t = await buildTopology();
      slurm = await startSlurm(t);
      http = await stageForCluster(t, HTTP_SOURCE);
      stateDir = await mkdtemp(join(tmpdir(), 'tnl-e2e-slurm-hiccup-'));
    }, 180_000);
    afterAll(async () => {
      await up?.kill('SIGKILL').catch(() => undefined);
      await t?.blackhole('laptop-login', false).catch(() => undefined);
      await slurm?.stop();
      await http?.remove();
      await t?.teardown();
      if (stateDir) await rm(stateDir, { recursive: true, force: true });
    });

    const ourJobs = async () =>
      (await slurm.admin(['squeue', '-h', '-o', '%i %T'])).stdout.trim().split('\n').filter(Boolean);

    it('held, then a 20 s blackhole and killed sshd sessions: still PENDING and alone, no cancel; released, the tunnel answers', async () => {
      up = await t.spawn(
        'laptop',
        [
          'node',
          CLI,
          'up',
          '-F',
          t.sshConfigPath,
          '--via',
          'login',
          '--slurm',
          '-H -t 5',
          '--run',
          `exec node ${http.path} /tmp/held.sock 'kept its place'`,
          '-L',
          '8831:/tmp/held.sock',
          '--json',
        ],
        { env: { TUNNEL_HOME: stateDir, NO_COLOR: '1' } },
      );
      const submitted = await up.waitForOutput(/"event":"submitted","id":"(\d+)"/, 60_000);
      const id = /"event":"submitted","id":"(\d+)"/.exec(submitted)![1]!;
      expect(await slurm.waitForState(id, /^PENDING$/, 20_000)).toBe('PENDING');

      await t.blackhole('laptop-login', true);
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      await t.blackhole('laptop-login', false);
      await up.waitForOutput(/"event":"retrying"/, 30_000);
      await t.killSshdConnections('login');

      expect(await slurm.state(id)).toBe('PENDING');
      expect(await ourJobs()).toEqual([`${id} PENDING`]);
      expect(up.output()).not.toMatch(/"event":"cancelled"/);

      await slurm.admin(['scontrol', 'release', id]);
      const ready = await up.waitForOutput(/^\{"name".*"job":\{.*\}\}$/m, 90_000);
      expect(ready).toMatch(new RegExp(`"id":"${id}"`));
      expect((await t.exec('laptop', ['curl', '-s', '-m', '5', 'http://127.0.0.1:8831/'])).stdout).toBe(
        'kept its place',
      );
      expect(await ourJobs()).toEqual([`${id} RUNNING`]);

      await up.kill('SIGTERM');
      expect(await slurm.waitForState(id, /^CANCELLED$/, 15_000)).toBe('CANCELLED');
    });
  });
}
