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
 * `tunnel up --via login --slurm ...` against real Slurm in the namespaces: the job is submitted
 * through the login node, its node comes from squeue, and the tunnel goes to that node.
 */
const can = canBuildTopology();
const slurmOk = canRunSlurm();
const why = !can.ok ? can.why : !slurmOk.ok ? slurmOk.why : undefined;
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const HTTP_SOURCE = fileURLToPath(new URL('../fixtures/http-unix-server.mjs', import.meta.url));

if (why !== undefined) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e Slurm tunnels: ${why}\n${'!'.repeat(72)}\n`);
  it.skip(`slurm tunnel e2e (skipped: ${why})`, () => undefined);
} else {
  describe('tunnel up --slurm / --job through login to the job\'s node', { timeout: 120_000 }, () => {
    let t: Topology;
    let slurm: Slurm;
    let stateDir: string;
    let http: { path: string; remove: () => Promise<void> };
    const running: Spawned[] = [];

    const tunnel = async (args: string[]) => {
      const child = await t.spawn('laptop', ['node', CLI, 'up', '-F', t.sshConfigPath, '--via', 'login', ...args], { env: { TUNNEL_HOME: stateDir, NO_COLOR: '1' } });
      running.push(child);
      return child;
    };
    const firstJson = async (child: Spawned, timeoutMs = 60_000) => {
      const out = await child.waitForOutput(/^\{"name".*\}$/m, timeoutMs);
      return JSON.parse(out.split('\n').find((l) => l.startsWith('{"name"'))!) as Record<string, any>;
    };
    const events = (child: Spawned) => child.output().split('\n').filter((l) => l.startsWith('{"event"')).map((l) => JSON.parse(l) as Record<string, any>);
    const submittedId = async (child: Spawned) => {
      await child.waitForOutput(/"event":"submitted"/, 30_000);
      return events(child).find((e) => e.event === 'submitted')!.id as string;
    };
    const curl = (url: string) => t.exec('laptop', ['curl', '-s', '-m', '5', url]);
    const userSsh = (cmd: string) => t.exec('laptop', ['ssh', '-F', t.sshConfigPath, 'login', cmd], { timeoutMs: 20_000 });
    const serve = (sock: string, body: string) => `exec node ${http.path} ${sock} '${body}'`;
    const userProcsOnNode = async () => (await t.exec('node', ['pgrep', '-u', t.user, '-a', '-f', 'http-unix-server|jupyter'])).stdout.trim();

    beforeAll(async () => {
      t = await buildTopology();
      slurm = await startSlurm(t);
      http = await stageForCluster(t, HTTP_SOURCE);
      stateDir = await mkdtemp(join(tmpdir(), 'tnl-e2e-slurm-'));
    }, 180_000);
    afterAll(async () => {
      for (const child of running.reverse()) await child.kill('SIGKILL').catch(() => undefined);
      await slurm?.stop();
      await http?.remove();
      await t?.teardown();
      if (stateDir) await rm(stateDir, { recursive: true, force: true });
    });

    it('--slurm --run -L: the job serves on its node, the tunnel reaches it, Ctrl-C cancels the job and leaves nothing', async () => {
      const t0 = Date.now();
      const child = await tunnel(['--slurm', '-t 5', '--run', serve('/tmp/job-app.sock', 'hello from the job'), '-L', '8801:/tmp/job-app.sock', '--json']);
      const json = await firstJson(child);
      expect(json.job).toMatchObject({ node: 'isolated-node', state: 'RUNNING', submitted: true, cancelOnExit: true });
      expect(json.job.timeLeft).toBeGreaterThan(200);
      expect(json.route).toEqual(['localhost', 'login', 'isolated-node']);
      const id = String(json.job.id);
      let body = '';
      for (let i = 0; i < 50 && body !== 'hello from the job'; i++) body = (await curl('http://127.0.0.1:8801/')).stdout || (await new Promise((r) => setTimeout(r, 100)), '');
      expect(body).toBe('hello from the job');
      console.info(`e2e slurm --run: submit -> tunnel answering in ${Date.now() - t0} ms`);
      // The app runs inside the job: its parent chain leads to slurmstepd on the node.
      expect(await slurm.state(id)).toBe('RUNNING');

      await child.kill('SIGINT');
      expect(await child.exited).toBe(130);
      expect(await slurm.waitForState(id, /^CANCELLED$/, 10_000)).toBe('CANCELLED');
      await expect.poll(userProcsOnNode, { timeout: 10_000 }).toBe('');
      await expect.poll(() => slurm.stepPids(), { timeout: 10_000 }).toEqual([]);
      expect(events(child).map((e) => e.event)).toEqual(expect.arrayContaining(['submitted', 'running', 'cancelled']));
    });
  });
}
