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
 * `tunnel up --slurm ... -d`: the job is submitted and waited for in the foreground, then a background
 * supervisor tunnels to its node, shows the job in ls/status, ends with the job, and `down` cancels it.
 */
const can = canBuildTopology();
const slurmOk = canRunSlurm();
const why = !can.ok ? can.why : !slurmOk.ok ? slurmOk.why : undefined;
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const HTTP_SOURCE = fileURLToPath(new URL('../fixtures/http-unix-server.mjs', import.meta.url));

interface Listed {
  name: string;
  state: string;
  supervisorPid: number;
  lastError?: { code: string; message: string };
  job?: {
    id: string;
    node: string | null;
    state: string;
    timeLeft: number | null;
    submitted: boolean;
    keepJob: boolean;
    cancel: string[] | null;
  };
}

if (why !== undefined) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e background Slurm tunnels: ${why}\n${'!'.repeat(72)}\n`);
  it.skip(`slurm background e2e (skipped: ${why})`, () => undefined);
} else {
  describe('tunnel up --slurm -d: a background tunnel that follows its job', { timeout: 120_000 }, () => {
    let t: Topology;
    let slurm: Slurm;
    let stateDir: string;
    let http: { path: string; remove: () => Promise<void> };
    const running: Spawned[] = [];
    const env = () => ({ TUNNEL_HOME: stateDir, NO_COLOR: '1' });

    const cli = (args: string[], timeoutMs = 90_000) =>
      t.exec('laptop', ['node', CLI, ...args], { env: env(), timeoutMs });
    const upJob = (args: string[]) => cli(['up', '-F', t.sshConfigPath, '--via', 'login', ...args]);
    const listed = async (name: string) =>
      (JSON.parse((await cli(['ls', '--json'])).stdout) as Listed[]).find((l) => l.name === name);
    const curl = (url: string) => t.exec('laptop', ['curl', '-s', '-m', '5', url]);
    const serve = (sock: string, body: string) => `exec node ${http.path} ${sock} '${body}'`;
    const userProcsOnNode = async () => (await t.pids('node', /http-unix-server|jupyter/)).join(' ');
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };

    beforeAll(async () => {
      t = await buildTopology();
      slurm = await startSlurm(t);
      http = await stageForCluster(t, HTTP_SOURCE);
      stateDir = await mkdtemp(join(tmpdir(), 'tnl-e2e-slurm-bg-'));
    }, 180_000);
    afterAll(async () => {
      await cli(['down', '--all']).catch(() => undefined);
      for (const child of running.reverse()) await child.kill('SIGKILL').catch(() => undefined);
      await slurm?.stop();
      await http?.remove();
      await t?.teardown();
      if (stateDir) await rm(stateDir, { recursive: true, force: true });
    });

    it('--run -L -d: returns with the job on its node; ls and status show the job; down cancels it and leaves nothing', async () => {
      const up = await upJob([
        '--slurm',
        '-t 5',
        '--run',
        serve('/tmp/bg-app.sock', 'from the background'),
        '-L',
        '8821:/tmp/bg-app.sock',
        '-d',
        '--name',
        'bg',
        '--json',
      ]);
      expect(up.exitCode, up.stderr).toBe(0);
      const json = JSON.parse(up.stdout) as {
        name: string;
        job: { id: string; node: string; state: string; cancelOnDown: boolean };
      };
      expect(json).toMatchObject({ name: 'bg', job: { node: 'isolated-node', state: 'RUNNING', cancelOnDown: true } });
      const id = String(json.job.id);
      expect((await curl('http://127.0.0.1:8821/')).stdout).toBe('from the background');

      const record = await listed('bg');
      expect(record).toMatchObject({
        state: 'up',
        job: { id, node: 'isolated-node', state: 'RUNNING', submitted: true, keepJob: false },
      });
      expect(record!.job!.timeLeft).toBeGreaterThan(200);
      expect(record!.job!.cancel!.join(' ')).toMatch(new RegExp(`scancel '?${id}'?`));
      const table = (await cli(['ls'])).stdout;
      expect(table.split('\n')[0]).toMatch(/\tJOB\t/);
      expect(table).toMatch(new RegExp(`slurm ${id} RUNNING on isolated-node, [0-9:]+ left`));
      const status = await cli(['status', 'bg']);
      expect(status.stdout).toMatch(
        new RegExp(`^job: slurm ${id} RUNNING on isolated-node, [0-9:]+ left; tunnel down bg cancels it$`, 'm'),
      );

      const down = await cli(['down', 'bg']);
      expect(down.exitCode, down.stderr).toBe(0);
      expect(down.stdout).toBe(`down bg\n  cancelled Slurm job ${id} (the job of this tunnel, on isolated-node)`);
      expect(await slurm.waitForState(id, /^CANCELLED$/, 10_000)).toBe('CANCELLED');
      await expect.poll(userProcsOnNode, { timeout: 10_000 }).toBe('');
      expect(await listed('bg')).toBeUndefined();
      expect((await t.exec('laptop', ['curl', '-s', '-m', '2', 'http://127.0.0.1:8821/'])).exitCode).not.toBe(0);
    });

    it('jupyter --slurm -d: the URL with its token is printed once; an external scancel ends the tunnel and the record says why', async () => {
      const up = await upJob(['jupyter', '--slurm', '-t 10', '--sock', '-d', '--name', 'nb', '--poll', '1', '--json']);
      expect(up.exitCode, up.stderr).toBe(0);
      const json = JSON.parse(up.stdout) as { url: string; job: { id: string; node: string } };
      const url = new URL(json.url);
      expect(url.searchParams.get('token')).toMatch(/^[0-9a-f]{16,}$/);
      const status = await t.exec('laptop', [
        'curl',
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-m',
        '5',
        `${url.origin}/api/status?token=${url.searchParams.get('token')}`,
      ]);
      expect(status.stdout).toBe('200');
      const id = String(json.job.id);
      const before = await listed('nb');
      expect(before).toMatchObject({ state: 'up', job: { id, node: 'isolated-node', state: 'RUNNING' } });
      // ls never shows the token.
      expect(JSON.stringify(before)).not.toContain(url.searchParams.get('token')!);

      expect((await slurm.admin(['scancel', id])).exitCode).toBe(0);
      await expect.poll(async () => (await listed('nb'))?.state, { timeout: 20_000 }).toBe('failed');
      const after = await listed('nb');
      expect(after!.lastError).toEqual({
        code: 'JOB_ENDED',
        message: `Slurm job ${id} is CANCELLED and the tunnel to it is closed`,
      });
      expect(after!.job).toMatchObject({ id, state: 'CANCELLED', cancel: null });
      await expect.poll(() => alive(after!.supervisorPid), { timeout: 10_000 }).toBe(false);
      expect((await t.exec('laptop', ['curl', '-s', '-m', '2', `${url.origin}/api/status`])).exitCode).not.toBe(0);
      expect((await cli(['down', 'nb'])).exitCode).toBe(0);
      await expect.poll(userProcsOnNode, { timeout: 10_000 }).toBe('');
    });

    it('a SIGKILLed supervisor: ls says dead, and down still cancels the job from the record', async () => {
      const up = await upJob([
        '--slurm',
        '-t 5',
        '--run',
        serve('/tmp/bg-kill.sock', 'k'),
        '-L',
        '8822:/tmp/bg-kill.sock',
        '-d',
        '--name',
        'killed',
        '--json',
      ]);
      expect(up.exitCode, up.stderr).toBe(0);
      const id = String((JSON.parse(up.stdout) as { job: { id: string } }).job.id);
      const record = await listed('killed');
      process.kill(record!.supervisorPid, 'SIGKILL');
      await expect.poll(async () => (await listed('killed'))?.state, { timeout: 10_000 }).toBe('dead');
      expect(await slurm.state(id)).toBe('RUNNING');
      const down = await cli(['down', 'killed']);
      expect(down.exitCode, down.stderr).toBe(0);
      expect(down.stdout).toBe(
        `down killed (supervisor was dead; cleaned up after it)\n  cancelled Slurm job ${id} (the job of this tunnel, on isolated-node)`,
      );
      expect(await slurm.waitForState(id, /^CANCELLED$/, 10_000)).toBe('CANCELLED');
      await expect.poll(userProcsOnNode, { timeout: 10_000 }).toBe('');
    });

    it('--keep-job -d: down leaves the job running; --job ID -d attaches to it and down never cancels it', async () => {
      const up = await upJob([
        '--slurm',
        '-t 5',
        '--run',
        serve('/tmp/bg-keep.sock', 'kept'),
        '-L',
        '8823:/tmp/bg-keep.sock',
        '-d',
        '--name',
        'kept',
        '--keep-job',
        '--json',
      ]);
      expect(up.exitCode, up.stderr).toBe(0);
      const id = String((JSON.parse(up.stdout) as { job: { id: string } }).job.id);
      try {
        expect((await cli(['status', 'kept'])).stdout).toMatch(/it is not cancelled by down/);
        const down = await cli(['down', 'kept']);
        expect(down.exitCode, down.stderr).toBe(0);
        expect(down.stdout).toBe('down kept');
        await new Promise((r) => setTimeout(r, 2000));
        expect(await slurm.state(id)).toBe('RUNNING');

        const attached = await upJob(['--job', id, '-L', '8824:/tmp/bg-keep.sock', '-d', '--name', 'attached']);
        expect(attached.exitCode, attached.stderr).toBe(0);
        expect(attached.stdout).toMatch(
          new RegExp(
            `Slurm job ${id} on isolated-node: RUNNING, [0-9:]+ left; attached: it keeps running after the tunnel`,
          ),
        );
        expect((await curl('http://127.0.0.1:8824/')).stdout).toBe('kept');
        expect((await cli(['down', 'attached'])).exitCode).toBe(0);
        await new Promise((r) => setTimeout(r, 2000));
        expect(await slurm.state(id)).toBe('RUNNING');
      } finally {
        await slurm.admin(['scancel', id]);
      }
    });

    it('Ctrl-C while the job is PENDING: the up -d exits 130 and the job is cancelled; no record is left', async () => {
      const child = await t.spawn(
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
          '-t 5 --begin=now+3600',
          '--run',
          'sleep 600',
          '-L',
          '8825:/tmp/none.sock',
          '-d',
          '--name',
          'pending',
          '--json',
        ],
        { env: env() },
      );
      running.push(child);
      await child.waitForOutput(/"event":"waiting".*"state":"PENDING"/, 30_000);
      const id = String(
        (
          JSON.parse(
            child
              .output()
              .split('\n')
              .find((l) => l.includes('"event":"submitted"'))!,
          ) as { id: string }
        ).id,
      );
      await child.kill('SIGINT');
      expect(await child.exited).toBe(130);
      expect(await slurm.waitForState(id, /^CANCELLED$/, 10_000)).toBe('CANCELLED');
      expect(await listed('pending')).toBeUndefined();
    });

    it('a second up -d with a running name is refused before anything is submitted', async () => {
      const up = await upJob([
        '--slurm',
        '-t 5',
        '--run',
        serve('/tmp/bg-twice.sock', 'once'),
        '-L',
        '8826:/tmp/bg-twice.sock',
        '-d',
        '--name',
        'twice',
      ]);
      expect(up.exitCode, up.stderr).toBe(0);
      const queued = async () =>
        (await slurm.admin(['squeue', '-h', '-t', 'all', '-o', '%i'])).stdout
          .trim()
          .split('\n')
          .filter((l) => l !== '').length;
      const before = await queued();
      const again = await upJob([
        '--slurm',
        '-t 5',
        '--run',
        'sleep 60',
        '-L',
        '8827:/tmp/none.sock',
        '-d',
        '--name',
        'twice',
      ]);
      expect(again.exitCode).not.toBe(0);
      expect(again.stderr.trim()).toMatch(
        /^tunnel: twice is already running \(pid \d+\); use another --name or 'tunnel down twice'$/,
      );
      expect(await queued()).toBe(before);
      expect((await curl('http://127.0.0.1:8826/')).stdout).toBe('once');
      expect((await cli(['down', 'twice'])).exitCode).toBe(0);
    });
  });
}
