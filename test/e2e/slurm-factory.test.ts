import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Spawned } from '../harness/node-exec.js';
import { ancestors, cmdline, killPids } from '../harness/proc.js';
import { canRunSlurm, startSlurm, type Slurm } from '../harness/slurm.js';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';

/*
 * `tunnel worker workqueue NAME --factory` against real Slurm in the namespaces: the manager runs
 * on the laptop behind `tunnel up workqueue -d`; the tool starts work_queue_factory -T slurm on the
 * login node, which submits a worker job per waiting task (at most --max-workers); each job's
 * wrapper opens its own ssh -L from the isolated node to login, and `tunnel down NAME` stops the
 * factory, which cancels its workers: nothing is left anywhere.
 */
const can = canBuildTopology();
const slurmOk = canRunSlurm();
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const why = !can.ok
  ? can.why
  : !slurmOk.ok
    ? slurmOk.why
    : !existsSync('/usr/bin/work_queue_factory')
      ? 'needs work_queue_factory (coop-computing-tools)'
      : !existsSync(CLI)
        ? `needs ${CLI} (npm run build)`
        : undefined;
const NODE_LEFTOVERS = /^(ssh -N -T -v .* login|\S*work_queue_worker |\/bin\/bash \S*wrapper\.sh)/;
const TASKS = 6;

const MANAGER = `
import time, work_queue as wq
q = wq.WorkQueue(port=0)
print("PORT", q.port, flush=True)
for i in range(${TASKS}):
    q.submit(wq.Task("echo task-%d-on-$(hostname)" % i))
print("SUBMITTED", flush=True)
deadline, done = time.time() + 120, 0
while done < ${TASKS} and time.time() < deadline:
    t = q.wait(1)
    if t:
        print("RESULT", t.return_status, t.output.strip(), flush=True)
        done += 1
print("DONE", done, flush=True)
while True:
    q.wait(1)
`;

if (why !== undefined) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e Slurm factory: ${why}\n${'!'.repeat(72)}\n`);
  it.skip(`slurm factory e2e (skipped: ${why})`, () => undefined);
} else {
  describe(
    'tunnel worker workqueue --factory: work_queue_factory sizes the workers; tunnel down leaves nothing',
    { timeout: 240_000 },
    () => {
      let t: Topology;
      let slurm: Slurm;
      let stateDir: string;
      const spawned: Spawned[] = [];
      const files: string[] = [];
      const tunnel = (args: string[]) =>
        t.exec('laptop', ['node', CLI, ...args], { env: { TUNNEL_HOME: stateDir, NO_COLOR: '1' }, timeoutMs: 90_000 });
      const queued = async () => (await slurm.admin(['squeue', '-h', '-o', '%i %T'])).stdout.trim();
      const factoryDirs = async () =>
        (await t.exec('login', ['sh', '-c', `ls -A ${t.home}/.tunnel/wq-factory 2>/dev/null | wc -l`])).stdout.trim();

      beforeAll(async () => {
        t = await buildTopology();
        slurm = await startSlurm(t);
        stateDir = await mkdtemp(join(tmpdir(), 'tnl-e2e-slurm-factory-'));
      }, 180_000);
      afterAll(async () => {
        if (stateDir) await tunnel(['down', '--all']).catch(() => undefined);
        if (t) {
          const factories = await t.pids('login', /^work_queue_factory /);
          if (factories.length > 0) await killPids(factories, 'SIGKILL');
          const ids =
            (await slurm?.admin(['squeue', '-h', '-o', '%i']).catch(() => ({ stdout: '' })))?.stdout
              .split('\n')
              .filter((l) => l !== '') ?? [];
          for (const id of ids) await slurm.admin(['scancel', id]).catch(() => undefined);
          const strays = await t.pids('node', NODE_LEFTOVERS);
          if (strays.length > 0) await killPids(strays, 'SIGKILL');
        }
        for (const s of spawned.reverse()) await s.kill('SIGKILL').catch(() => undefined);
        for (const f of files) await rm(f, { force: true });
        await slurm?.stop();
        await t?.teardown();
        if (stateDir) await rm(stateDir, { recursive: true, force: true });
      });

      it('bad input: one line, exit 2, no factory started', async () => {
        const up = await tunnel([
          'up',
          'workqueue',
          '-F',
          t.sshConfigPath,
          '--via',
          'login',
          '--port',
          '9',
          '-d',
          '--name',
          'wqfbad',
        ]);
        expect(up.exitCode, up.stderr).toBe(0);
        for (const [args, message] of [
          [['--max-workers', '0'], /^tunnel: --max-workers '0': expected a whole number from 1 to 10000$/],
          [['--min-workers', '3', '--max-workers', '2'], /^tunnel: --min-workers 3 is more than --max-workers 2$/],
          [['--count', '2'], /^tunnel: worker: --factory sizes the workers to the queue itself; drop --count$/],
          [
            ['--slurm', '--array=1-3'],
            /^tunnel: --slurm '--array=1-3': --array is not allowed: the factory submits one job per worker$/,
          ],
        ] as const) {
          const result = await tunnel(['worker', 'workqueue', 'wqfbad', '--factory', ...args]);
          expect(result.exitCode, result.stderr).toBe(2);
          expect(result.stderr.trim()).toMatch(message);
          expect(result.stdout).toBe('');
        }
        const alone = await tunnel(['worker', 'workqueue', 'wqfbad', '--max-workers', '2']);
        expect(alone.exitCode).toBe(2);
        expect(alone.stderr.trim()).toBe('tunnel: worker: --max-workers goes with --factory');
        expect(await t.pids('login', /^work_queue_factory /)).toEqual([]);
        expect(await factoryDirs()).toBe('0');
        expect((await tunnel(['down', 'wqfbad'])).stdout).toBe('down wqfbad');
      });

      it('manager on the laptop, factory on login: tasks come back from slurmstepd on the node; down stops factory, jobs, workers and forwards', async () => {
        const managerPath = join(t.home, `.tnl-slurm-factory-manager-${t.id}.py`);
        files.push(managerPath);
        await writeFile(managerPath, MANAGER);
        const manager = await t.spawn('laptop', ['/usr/bin/python3', managerPath]);
        spawned.push(manager);
        const port = /^PORT (\d+)$/m.exec(await manager.waitForOutput(/^SUBMITTED$/m, 20_000))![1]!;

        const up = await tunnel([
          'up',
          'workqueue',
          '-F',
          t.sshConfigPath,
          '--via',
          'login',
          '--port',
          port,
          '-d',
          '--name',
          'wqf',
        ]);
        expect(up.exitCode, up.stderr).toBe(0);

        const dry = await tunnel([
          'worker',
          'workqueue',
          'wqf',
          '--factory',
          '--max-workers',
          '2',
          '--slurm',
          '-t 5',
          '--dry-run',
        ]);
        expect(dry.exitCode, dry.stderr).toBe(0);
        expect(dry.stdout).toContain('#   head_args=(login)');
        expect(dry.stdout).toMatch(
          /^ssh -T -F \S+ -o BatchMode=yes .* login '.*work_queue_factory .*-T slurm --catalog 127\.0\.0\.1:9097 .*-w 0 -W 2 -B .*-t 5.* localhost \d+.*' < wrapper\.sh$/m,
        );
        expect(dry.stdout).toMatch(
          /^# 'tunnel down wqf' stops it \(SIGTERM: it cancels its workers\) with:\nssh -T .* login '.*kill -TERM .*scancel.*'$/m,
        );
        const headPort = /-W 2 -B .* localhost (\d+)/.exec(dry.stdout)![1]!;
        expect(await t.pids('login', /^work_queue_factory /)).toEqual([]);
        expect(await factoryDirs()).toBe('0');

        const t0 = Date.now();
        const started = await tunnel([
          'worker',
          'workqueue',
          'wqf',
          '--factory',
          '--max-workers',
          '2',
          '--slurm',
          '-t 5',
        ]);
        expect(started.exitCode, started.stderr).toBe(0);
        const pid = Number(started.stdout.trim());
        expect(await t.pids('login', /^work_queue_factory /)).toEqual([pid]);
        expect(started.stderr).toContain(
          `started work_queue_factory (pid ${pid} on the login node, 0 to 2 workers); 'tunnel down wqf' stops it and its workers`,
        );

        const out = await manager.waitForOutput(new RegExp(`^DONE ${TASKS}$`, 'm'), 120_000);
        console.info(`e2e slurm factory: factory start -> ${TASKS} results on the laptop in ${Date.now() - t0} ms`);
        expect(
          out
            .split('\n')
            .filter((l) => l.startsWith('RESULT'))
            .sort(),
        ).toEqual([...Array(TASKS).keys()].map((i) => `RESULT 0 task-${i}-on-isolated-node`));

        // The factory's jobs: at most --max-workers, each a worker under slurmstepd that reaches the
        // manager through its own forward, and told of no catalog but a dead loopback port.
        const jobs = (await queued()).split('\n').filter((l) => l !== '');
        console.info(`e2e slurm factory: jobs ${JSON.stringify(jobs)}`);
        expect(jobs.length).toBeGreaterThanOrEqual(1);
        expect(jobs.length).toBeLessThanOrEqual(2);
        const workers = await t.pids('node', /^\S*work_queue_worker /);
        expect(workers.length).toBeGreaterThanOrEqual(1);
        expect(workers.length).toBeLessThanOrEqual(2);
        for (const w of workers) {
          const argv = (await cmdline(w)) ?? '';
          expect(argv).toMatch(/ localhost \d+ /);
          expect(argv).not.toContain(` localhost ${headPort} `);
          expect(argv).toContain('127.0.0.1:9097');
          expect(argv).not.toMatch(/nd\.edu/);
          expect(await ancestors(w)).toEqual(
            expect.arrayContaining([expect.stringMatching(/^slurmstepd/), expect.stringMatching(/wrapper\.sh/)]),
          );
        }
        const factoryArgv = (await cmdline(pid)) ?? '';
        expect(factoryArgv).toContain('--catalog 127.0.0.1:9097');
        const debug = (await t.exec('login', ['sh', '-c', `cat ${t.home}/.tunnel/wq-factory/*/debug.log`])).stdout;
        expect(debug).not.toMatch(/nd\.edu/);
        console.info(
          `e2e slurm factory: debug lines naming a catalog: ${JSON.stringify(
            debug
              .split('\n')
              .filter((l) => /catalog/i.test(l))
              .slice(0, 5),
          )}`,
        );

        const t1 = Date.now();
        const down = await tunnel(['down', 'wqf']);
        console.info(`e2e slurm factory: down (factory, ${jobs.length} worker jobs) in ${Date.now() - t1} ms`);
        expect(down.exitCode, down.stderr).toBe(0);
        expect(down.stdout).toMatch(
          new RegExp(`^down wqf\\n  stopped work_queue_factory on login \\(pid ${pid}, 0-2 workers\\)$`),
        );
        expect(await t.pids('login', /^work_queue_factory /)).toEqual([]);
        await expect.poll(queued, { timeout: 15_000 }).toBe('');
        await expect.poll(async () => (await t.pids('node', NODE_LEFTOVERS)).length, { timeout: 15_000 }).toBe(0);
        await expect.poll(() => slurm.stepPids(), { timeout: 15_000 }).toEqual([]);
        // The factory itself cancelled them on SIGTERM (scancel), or the stop's own sweep did.
        for (const job of jobs) expect(await slurm.state(job.split(' ')[0]!)).toMatch(/^(CANCELLED|)$/);
        expect(await factoryDirs()).toBe('0');
        expect((await t.exec('node', ['sh', '-c', 'ls -d /tmp/tnl-wqf.* 2>/dev/null | wc -l'])).stdout.trim()).toBe(
          '0',
        );
      });
    },
  );
}
