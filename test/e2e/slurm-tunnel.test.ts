import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Spawned } from '../harness/node-exec.js';
import { canRunSlurm, startSlurm, type Slurm } from '../harness/slurm.js';
import { stageForCluster } from '../harness/stage.js';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';
import { ancestors } from '../harness/proc.js';
import { readFile } from 'node:fs/promises';

/** What these tests read of `up --json`'s object by name; the rest is matched as it comes. */
type UpJson = { job: { id: string; timeLeft: number }; app: { socket: string } } & Record<string, unknown>;

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
  describe("tunnel up --slurm / --job through login to the job's node", { timeout: 120_000 }, () => {
    let t: Topology;
    let slurm: Slurm;
    let stateDir: string;
    let http: { path: string; remove: () => Promise<void> };
    const running: Spawned[] = [];

    const tunnel = async (args: string[]) => {
      const child = await t.spawn('laptop', ['node', CLI, 'up', '-F', t.sshConfigPath, '--via', 'login', ...args], {
        env: { TUNNEL_HOME: stateDir, NO_COLOR: '1' },
      });
      running.push(child);
      return child;
    };
    const firstJson = async (child: Spawned, timeoutMs = 60_000) => {
      const out = await child.waitForOutput(/^\{"name".*\}$/m, timeoutMs);
      return JSON.parse(out.split('\n').find((l) => l.startsWith('{"name"'))!) as UpJson;
    };
    const events = (child: Spawned) =>
      child
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{"event"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const submittedId = async (child: Spawned) => {
      await child.waitForOutput(/"event":"submitted"/, 30_000);
      return events(child).find((e) => e.event === 'submitted')!.id as string;
    };
    const curl = (url: string) => t.exec('laptop', ['curl', '-s', '-m', '5', url]);
    const userSsh = (cmd: string) =>
      t.exec('laptop', ['ssh', '-F', t.sshConfigPath, 'login', cmd], { timeoutMs: 20_000 });
    const serve = (sock: string, body: string) => `exec node ${http.path} ${sock} '${body}'`;
    // Processes in this topology's node namespace only (other tests may run the same programs elsewhere).
    const userProcsOnNode = async () => (await t.pids('node', /http-unix-server|jupyter/)).join(' ');

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
      const child = await tunnel([
        '--slurm',
        '-t 5',
        '--run',
        serve('/tmp/job-app.sock', 'hello from the job'),
        '-L',
        '8801:/tmp/job-app.sock',
        '--json',
      ]);
      const json = await firstJson(child);
      expect(json.job).toMatchObject({ node: 'isolated-node', state: 'RUNNING', submitted: true, cancelOnExit: true });
      expect(json.job.timeLeft).toBeGreaterThan(200);
      expect(json.route).toEqual(['localhost', 'login', 'isolated-node']);
      const id = String(json.job.id);
      let body = '';
      for (let i = 0; i < 50 && body !== 'hello from the job'; i++)
        body = (await curl('http://127.0.0.1:8801/')).stdout || (await new Promise((r) => setTimeout(r, 100)), '');
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

    it('jupyter --slurm --sock: the notebook runs under slurmstepd on the node; the printed URL answers with its token', async () => {
      const t0 = Date.now();
      const child = await tunnel(['jupyter', '--slurm', '-t 10', '--sock', '--json']);
      const json = await firstJson(child, 90_000);
      const ms = Date.now() - t0;
      console.info(`e2e slurm jupyter: submit -> URL in ${ms} ms`);
      expect(json.job).toMatchObject({ node: 'isolated-node', state: 'RUNNING', submitted: true });
      expect(json.app.socket).toMatch(/^\/tmp\/tnl-jupyter-[0-9a-f]{12}\/jupyter\.sock$/);
      const url = new URL(json.url as string);
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
      expect(
        (
          await t.exec('laptop', [
            'curl',
            '-s',
            '-o',
            '/dev/null',
            '-w',
            '%{http_code}',
            '-m',
            '5',
            `${url.origin}/api/status`,
          ])
        ).stdout,
      ).toBe('403');
      // The server is a child of the job's batch step, not of an ssh session.
      const [pid] = await t.pids('node', /jupyter-notebook|jupyter notebook/);
      expect(pid).toBeDefined();
      expect(await ancestors(pid!)).toEqual(expect.arrayContaining([expect.stringMatching(/^slurmstepd/)]));
      expect((await t.exec('node', ['test', '-S', json.app.socket])).exitCode).toBe(0);
      expect((await t.exec('login', ['test', '-e', json.app.socket])).exitCode).toBe(1);

      await child.kill('SIGINT');
      expect(await child.exited).toBe(130);
      expect(await slurm.waitForState(String(json.job.id), /^CANCELLED$/, 10_000)).toBe('CANCELLED');
      await expect.poll(userProcsOnNode, { timeout: 10_000 }).toBe('');
      expect((await t.exec('node', ['test', '-e', json.app.socket])).exitCode).toBe(1);
    });

    it('jupyter --slurm --keep-job survives Ctrl-C; tunnel up jupyter --job ID finds its socket and token again', async () => {
      const first = await tunnel(['jupyter', '--slurm', '-t 10', '--sock', '--keep-job', '--json']);
      const json = await firstJson(first, 90_000);
      expect(json.job).toMatchObject({ submitted: true, cancelOnExit: false });
      const id = String(json.job.id);
      try {
        await first.kill('SIGINT');
        expect(await first.exited).toBe(130);
        expect(await slurm.state(id)).toBe('RUNNING');
        const again = await tunnel(['jupyter', '--job', id, '--json']);
        const attached = await firstJson(again, 60_000);
        expect(attached.job).toMatchObject({ id, submitted: false, cancelOnExit: false });
        expect(attached.app.socket).toBe(json.app.socket);
        const url = new URL(attached.url as string);
        expect(
          (
            await t.exec('laptop', [
              'curl',
              '-s',
              '-o',
              '/dev/null',
              '-w',
              '%{http_code}',
              '-m',
              '5',
              `${url.origin}/api/status?token=${url.searchParams.get('token')}`,
            ])
          ).stdout,
        ).toBe('200');
        await again.kill('SIGINT');
        expect(await again.exited).toBe(130);
        expect(await slurm.state(id)).toBe('RUNNING');
      } finally {
        await slurm.admin(['scancel', id]);
        await slurm.waitForState(id, /^CANCELLED$/, 10_000);
      }
    });

    it('a requeued jupyter job is followed: the tunnel is re-pointed and a new URL (new token) answers', async () => {
      const child = await tunnel(['jupyter', '--slurm', '-t 10', '--sock', '--poll', '1', '--json']);
      const json = await firstJson(child, 90_000);
      const id = String(json.job.id);
      try {
        const seen = child.output().length;
        expect((await slurm.admin(['scontrol', 'requeue', id])).exitCode).toBe(0);
        // Slurm holds a requeued job back for ~2 minutes (BeginTime): once the tunnel has reported it
        // PENDING (its poll is 1 s, so it must get one in), let it start again now.
        await slurm.waitForState(id, /^PENDING$/, 20_000);
        await expect
          .poll(() => child.output().slice(seen).includes('"state":"PENDING"'), { timeout: 20_000 })
          .toBe(true);
        expect((await slurm.admin(['scontrol', 'update', `JobId=${id}`, 'StartTime=now'])).exitCode).toBe(0);
        await child.waitForOutput(/(^\{"name".*\}$[\s\S]*){2}/m, 90_000);
        const objects = child
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{"name"'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(objects).toHaveLength(2);
        expect(objects[1]!.job).toMatchObject({ id, node: 'isolated-node', state: 'RUNNING' });
        expect(objects[1]!.url).not.toBe(objects[0]!.url);
        // Same local port: only the token changed (Jupyter restarted with the job).
        expect(new URL(objects[1]!.url as string).port).toBe(new URL(objects[0]!.url as string).port);
        const url = new URL(objects[1]!.url as string);
        expect(
          (
            await t.exec('laptop', [
              'curl',
              '-s',
              '-o',
              '/dev/null',
              '-w',
              '%{http_code}',
              '-m',
              '5',
              `${url.origin}/api/status?token=${url.searchParams.get('token')}`,
            ])
          ).stdout,
        ).toBe('200');
        expect(
          events(child)
            .map((e) => e.state)
            .filter(Boolean),
        ).toEqual(expect.arrayContaining(['PENDING']));
        await child.kill('SIGINT');
        expect(await child.exited).toBe(130);
        expect(await slurm.waitForState(id, /^CANCELLED$/, 10_000)).toBe('CANCELLED');
        await expect.poll(userProcsOnNode, { timeout: 10_000 }).toBe('');
      } finally {
        // After a failure too: a job left running would hold the node's CPUs for every later test.
        await child.kill('SIGKILL').catch(() => undefined);
        await slurm.admin(['scancel', id]);
      }
    });

    it('re-running with the same --name reuses the job still running instead of submitting another, and never cancels it', async () => {
      const args = [
        '--slurm',
        '-t 5',
        '--run',
        serve('/tmp/named.sock', 'one job, two tunnels'),
        '-L',
        '8809:/tmp/named.sock',
        '--name',
        'named',
        '--json',
      ];
      const first = await tunnel([...args, '--keep-job']);
      const id = String((await firstJson(first)).job.id);
      await first.kill('SIGINT');
      expect(await first.exited).toBe(130);
      expect(await slurm.state(id)).toBe('RUNNING');
      const again = await tunnel(args);
      const json = await firstJson(again);
      // Reused, not submitted by this run: never this run's to cancel (the run that submitted it, or the user, decides).
      expect(json.job).toMatchObject({ id, submitted: false, cancelOnExit: false });
      expect(events(again).map((e) => e.event)).toContain('reused');
      await expect
        .poll(async () => (await curl('http://127.0.0.1:8809/')).stdout, { timeout: 10_000 })
        .toBe('one job, two tunnels');
      expect(
        (await slurm.admin(['squeue', '-h', '-u', t.user, '-n', 'tnl-named', '-t', 'all', '-o', '%i'])).stdout.trim(),
      ).toBe(id);
      await again.kill('SIGINT');
      expect(await again.exited).toBe(130);
      expect(await slurm.state(id)).toBe('RUNNING');
      await slurm.admin(['scancel', id]);
      expect(await slurm.waitForState(id, /^CANCELLED$/, 10_000)).toBe('CANCELLED');
    });

    it('Ctrl-C while PENDING cancels the job within seconds; nothing is left queued', async () => {
      // A job of root's takes all 8 CPUs, so ours waits (Reason=Resources).
      const blocker = (
        await slurm.admin(['sbatch', '--parsable', '-c', '8', '--output=/dev/null', '--wrap', 'sleep 120'])
      ).stdout.trim();
      try {
        await slurm.waitForState(blocker, /^RUNNING$/, 20_000);
        const child = await tunnel([
          '--slurm',
          '-c 1 -t 5',
          '--run',
          serve('/tmp/pending.sock', 'never'),
          '-L',
          '8802:/tmp/pending.sock',
          '--json',
        ]);
        const id = await submittedId(child);
        await child.waitForOutput(/"state":"PENDING","reason":"Resources"/, 20_000);
        const t0 = Date.now();
        await child.kill('SIGINT');
        expect(await child.exited).toBe(130);
        expect(await slurm.waitForState(id, /^CANCELLED$/, 5_000)).toBe('CANCELLED');
        console.info(`e2e slurm: Ctrl-C while PENDING -> CANCELLED in ${Date.now() - t0} ms`);
        expect(
          (await slurm.admin(['squeue', '-h', '-u', t.user, '-t', 'PENDING,RUNNING', '-o', '%i'])).stdout.trim(),
        ).toBe('');
      } finally {
        await slurm.admin(['scancel', blocker]);
      }
    });

    it('--job ID attaches to a job of the user; Ctrl-C leaves it running', async () => {
      const submit = await userSsh(
        `sbatch --parsable -t 5 --output=/dev/null --wrap ${JSON.stringify(serve('/tmp/mine.sock', 'my own job'))}`,
      );
      const id = submit.stdout.trim();
      expect(id).toMatch(/^\d+$/);
      try {
        await slurm.waitForState(id, /^RUNNING$/, 20_000);
        const child = await tunnel(['--job', id, '-L', '8803:/tmp/mine.sock', '--json']);
        const json = await firstJson(child);
        expect(json.job).toMatchObject({
          id,
          node: 'isolated-node',
          state: 'RUNNING',
          submitted: false,
          cancelOnExit: false,
        });
        await expect
          .poll(async () => (await curl('http://127.0.0.1:8803/')).stdout, { timeout: 10_000 })
          .toBe('my own job');
        await child.kill('SIGINT');
        expect(await child.exited).toBe(130);
        expect(await slurm.state(id)).toBe('RUNNING');
      } finally {
        await slurm.admin(['scancel', id]);
      }
    });

    it('--multiplex: submit and every poll ride one authenticated connection to login', async () => {
      const log = join(t.dir, 'sshd-login', 'sshd.log');
      const accepted = async () => ((await readFile(log, 'utf8')).match(/Accepted publickey/g) ?? []).length;
      const before = await accepted();
      const child = await tunnel([
        '--slurm',
        '-t 5',
        '--run',
        serve('/tmp/mux.sock', 'through one connection'),
        '-L',
        '8807:/tmp/mux.sock',
        '--poll',
        '1',
        '--multiplex',
        '--json',
      ]);
      const json = await firstJson(child);
      await expect
        .poll(async () => (await curl('http://127.0.0.1:8807/')).stdout, { timeout: 10_000 })
        .toBe('through one connection');
      await new Promise((r) => setTimeout(r, 4000)); // about four more polls of the running job (--poll 1)
      // One login for the scheduler's master, one for the tunnel's own -J hop: not one per poll.
      expect((await accepted()) - before).toBeLessThanOrEqual(2);
      await child.kill('SIGINT');
      expect(await child.exited).toBe(130);
      expect(await slurm.waitForState(String(json.job.id), /^CANCELLED$/, 10_000)).toBe('CANCELLED');
    });

    it("an external scancel ends the tunnel with the job's state", async () => {
      const child = await tunnel([
        '--slurm',
        '-t 5',
        '--run',
        serve('/tmp/ext.sock', 'x'),
        '-L',
        '8804:/tmp/ext.sock',
        '--poll',
        '1',
        '--json',
      ]);
      const json = await firstJson(child);
      const id = String(json.job.id);
      const t0 = Date.now();
      expect((await slurm.admin(['scancel', id])).exitCode).toBe(0);
      expect(await child.exited).toBe(1);
      console.info(`e2e slurm: external scancel -> tunnel ended in ${Date.now() - t0} ms`);
      expect(child.output()).toContain(`tunnel: Slurm job ${id} is CANCELLED and the tunnel to it is closed`);
      expect((await t.exec('laptop', ['curl', '-s', '-m', '2', 'http://127.0.0.1:8804/'])).exitCode).not.toBe(0);
      // Nothing to cancel any more: no scancel of a job that already ended.
      expect(events(child).map((e) => e.event)).not.toContain('cancelled');
    });

    it(
      'a walltime of one minute ends the tunnel with TIMEOUT (after a walltime warning)',
      { timeout: 180_000 },
      async () => {
        const child = await tunnel([
          '--slurm',
          '-t 1',
          '--run',
          serve('/tmp/wall.sock', 'until the walltime'),
          '-L',
          '8808:/tmp/wall.sock',
          '--poll',
          '1',
          '--json',
        ]);
        const json = await firstJson(child);
        const id = String(json.job.id);
        expect(json.job.timeLeft).toBeLessThanOrEqual(60);
        await expect
          .poll(async () => (await curl('http://127.0.0.1:8808/')).stdout, { timeout: 10_000 })
          .toBe('until the walltime');
        await child.waitForOutput(/"event":"walltime"/, 10_000);
        // Slurm enforces time limits on a 30 s timer: the job ends 60-90 s after it started.
        const code = await Promise.race([
          child.exited,
          new Promise((r) => setTimeout(() => r('still running'), 150_000)),
        ]);
        expect(code).toBe(1);
        expect(child.output()).toMatch(
          new RegExp(`^tunnel: Slurm job ${id} is TIMEOUT( \\(\\w+\\))? and the tunnel to it is closed$`, 'm'),
        );
        expect(await slurm.state(id)).toBe('TIMEOUT');
        await expect.poll(userProcsOnNode, { timeout: 10_000 }).toBe('');
      },
    );

    it.each([
      [['--slurm', '--bogus'], "tunnel: sbatch on login refused the job: sbatch: unrecognized option '--bogus'"],
      [
        ['--slurm', '-p nope'],
        'tunnel: sbatch on login refused the job: sbatch: error: invalid partition specified: nope',
      ],
      [['--slurm', '-t abc'], 'tunnel: sbatch on login refused the job: sbatch: error: Invalid --time specification'],
    ])("bad sbatch input %j: sbatch's own message, one line, exit 2, nothing submitted", async (args, message) => {
      const before = (await slurm.admin(['squeue', '-h', '-t', 'all', '-o', '%i'])).stdout;
      const child = await tunnel([...args, '--run', 'sleep 60', '-L', '8805:/tmp/none.sock']);
      expect(await child.exited).toBe(2);
      expect(child.output().trim()).toBe(message);
      expect((await slurm.admin(['squeue', '-h', '-t', 'all', '-o', '%i'])).stdout).toBe(before);
    });

    it('--job of another user is refused in one line and left alone', async () => {
      const id = (
        await slurm.admin(['sbatch', '--parsable', '--output=/dev/null', '--wrap', 'sleep 60'])
      ).stdout.trim();
      try {
        await slurm.waitForState(id, /^RUNNING$/, 20_000);
        const child = await tunnel(['--job', id, '-L', '8806:/tmp/none.sock']);
        expect(await child.exited).toBe(2);
        expect(child.output().trim()).toBe(
          `tunnel: job ${id} belongs to root, not to ${t.user}; attach to one of your own jobs`,
        );
        expect(await slurm.state(id)).toBe('RUNNING');
        const unknown = await tunnel(['--job', '999999', '-L', '8806:/tmp/none.sock']);
        expect(await unknown.exited).toBe(6);
        expect(unknown.output().trim()).toBe(
          'tunnel: no Slurm job 999999 on login: slurm_load_jobs error: Invalid job id specified',
        );
      } finally {
        await slurm.admin(['scancel', id]);
      }
    });
  });
}
