import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Spawned } from '../harness/node-exec.js';
import { ancestors, killPids } from '../harness/proc.js';
import { canRunSlurm, startSlurm, type Slurm } from '../harness/slurm.js';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';

/*
 * `tunnel worker workqueue NAME --submit slurm` against real Slurm in the namespaces: the Work
 * Queue manager runs on the laptop, `tunnel up workqueue -d` publishes it on the login node, the
 * worker array is submitted through login by the tool itself, its workers run under slurmstepd on
 * the isolated node (each with its own ssh -L to login), and `tunnel down NAME` cancels the array.
 */
const can = canBuildTopology();
const slurmOk = canRunSlurm();
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const why = !can.ok
  ? can.why
  : !slurmOk.ok
    ? slurmOk.why
    : !existsSync('/usr/bin/work_queue_worker')
      ? 'needs work_queue_worker (coop-computing-tools)'
      : !existsSync(CLI)
        ? `needs ${CLI} (npm run build)`
        : undefined;
const WORKER_PROCESS = /^(ssh -N -T -v .* login|work_queue_worker )/;

const MANAGER = `
import time, work_queue as wq
q = wq.WorkQueue(port=0)
print("PORT", q.port, flush=True)
for i in range(4):
    q.submit(wq.Task("echo task-%d-on-$(hostname)" % i))
deadline, done = time.time() + 90, 0
while done < 4 and time.time() < deadline:
    t = q.wait(1)
    if t:
        print("RESULT", t.return_status, t.output.strip(), flush=True)
        done += 1
print("DONE", done, flush=True)
while True:
    q.wait(1)
`;

if (why !== undefined) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e Slurm workers: ${why}\n${'!'.repeat(72)}\n`);
  it.skip(`slurm workers e2e (skipped: ${why})`, () => undefined);
} else {
  describe(
    'tunnel worker workqueue --submit slurm: the array runs on the node, tunnel down cancels it',
    { timeout: 180_000 },
    () => {
      let t: Topology;
      let slurm: Slurm;
      let stateDir: string;
      const spawned: Spawned[] = [];
      const files: string[] = [];
      const jobs: string[] = [];
      const tunnel = (args: string[]) =>
        t.exec('laptop', ['node', CLI, ...args], { env: { TUNNEL_HOME: stateDir, NO_COLOR: '1' }, timeoutMs: 60_000 });
      const queued = async () => (await slurm.admin(['squeue', '-h', '-o', '%i %T'])).stdout.trim();

      beforeAll(async () => {
        t = await buildTopology();
        slurm = await startSlurm(t);
        stateDir = await mkdtemp(join(tmpdir(), 'tnl-e2e-slurm-workers-'));
      }, 180_000);
      afterAll(async () => {
        for (const id of jobs) await slurm?.admin(['scancel', id]).catch(() => undefined);
        if (stateDir) await tunnel(['down', '--all']).catch(() => undefined);
        if (t) {
          const strays = await t.pids('node', WORKER_PROCESS);
          if (strays.length > 0) await killPids(strays, 'SIGKILL');
        }
        for (const s of spawned.reverse()) await s.kill('SIGKILL').catch(() => undefined);
        for (const f of files) await rm(f, { force: true });
        await slurm?.stop();
        await t?.teardown();
        if (stateDir) await rm(stateDir, { recursive: true, force: true });
      });

      it("bad sbatch options: sbatch's own message in one line, exit 2, nothing submitted", async () => {
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
          'wqbad',
        ]);
        expect(up.exitCode, up.stderr).toBe(0);
        const result = await tunnel([
          'worker',
          'workqueue',
          'wqbad',
          '--submit',
          'slurm',
          '--count',
          '2',
          '--slurm',
          '-p nope',
        ]);
        expect(result.exitCode).toBe(2);
        expect(result.stderr.trim()).toMatch(
          /^tunnel: sbatch on login refused the job: sbatch: error: invalid partition specified: nope$/,
        );
        expect(result.stdout).toBe('');
        expect(await queued()).toBe('');
        expect((await tunnel(['down', 'wqbad'])).stdout).toBe('down wqbad');
      });

      it('manager on the laptop, workers submitted by the tool: tasks come back from slurmstepd on the node; down cancels the array', async () => {
        const managerPath = join(t.home, `.tnl-slurm-manager-${t.id}.py`);
        files.push(managerPath);
        await writeFile(managerPath, MANAGER);
        const manager = await t.spawn('laptop', ['/usr/bin/python3', managerPath]);
        spawned.push(manager);
        const port = /^PORT (\d+)$/m.exec(await manager.waitForOutput(/^PORT \d+$/m, 20_000))![1]!;

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
          'wqs',
        ]);
        expect(up.exitCode, up.stderr).toBe(0);

        const dry = await tunnel([
          'worker',
          'workqueue',
          'wqs',
          '--submit',
          'slurm',
          '--count',
          '2',
          '--slurm',
          '-t 5',
          '--dry-run',
        ]);
        expect(dry.exitCode, dry.stderr).toBe(0);
        expect(dry.stdout).toContain('#   #SBATCH --array=1-2');
        expect(dry.stdout).toMatch(
          /^ssh -T -F \S+ -o BatchMode=yes .* login '.*exec sbatch --parsable --job-name=wqs .* -t 5'\\'''? < workers\.sbatch$/m,
        );
        expect(await queued()).toBe('');

        const t0 = Date.now();
        const submit = await tunnel([
          'worker',
          'workqueue',
          'wqs',
          '--submit',
          'slurm',
          '--count',
          '2',
          '--slurm',
          '-t 5',
        ]);
        expect(submit.exitCode, submit.stderr).toBe(0);
        const id = submit.stdout.trim();
        expect(id).toMatch(/^\d+$/);
        jobs.push(id);
        expect(submit.stderr).toContain(`submitted Slurm job ${id} (2 workers); 'tunnel down wqs' cancels it`);
        // status and ls say what down will cancel, from the record (no squeue).
        expect((await tunnel(['status', 'wqs'])).stdout).toContain(
          `\nsubmitted: Slurm job ${id} (2 workers); tunnel down wqs cancels it\n`,
        );
        const [listed] = JSON.parse((await tunnel(['ls', '--json'])).stdout) as Array<{ submitted?: unknown[] }>;
        expect(listed!.submitted).toEqual([{ id, kind: 'job', what: '2 workers', submittedAt: expect.any(String) }]);

        const out = await manager.waitForOutput(/^DONE 4$/m, 90_000);
        console.info(`e2e slurm workers: submit -> 4 results on the laptop in ${Date.now() - t0} ms`);
        expect(
          out
            .split('\n')
            .filter((l) => l.startsWith('RESULT'))
            .sort(),
        ).toEqual([0, 1, 2, 3].map((i) => `RESULT 0 task-${i}-on-isolated-node`));
        // Both array tasks run, and each worker is a descendant of the job's slurmstepd.
        await expect
          .poll(async () => (await queued()).split('\n').sort(), { timeout: 20_000 })
          .toEqual([`${id}_1 RUNNING`, `${id}_2 RUNNING`]);
        await expect
          .poll(async () => (await t.pids('node', /^work_queue_worker /)).length, { timeout: 20_000 })
          .toBe(2);
        for (const pid of await t.pids('node', /^work_queue_worker /)) {
          expect(await ancestors(pid)).toEqual(expect.arrayContaining([expect.stringMatching(/^slurmstepd/)]));
        }

        const down = await tunnel(['down', 'wqs']);
        expect(down.exitCode, down.stderr).toBe(0);
        expect(down.stdout).toBe(`down wqs\n  cancelled Slurm job ${id} (2 workers)`);
        await expect.poll(queued, { timeout: 15_000 }).toBe('');
        await expect.poll(async () => (await t.pids('node', WORKER_PROCESS)).length, { timeout: 15_000 }).toBe(0);
        await expect.poll(() => slurm.stepPids(), { timeout: 15_000 }).toEqual([]);
        expect(
          (await slurm.admin(['squeue', '-h', '-t', 'all', '-j', id, '-o', '%T'])).stdout.trim().split('\n'),
        ).toEqual(['CANCELLED', 'CANCELLED']);
        expect((await t.exec('node', ['sh', '-c', 'ls -d /tmp/tnl-wq.* 2>/dev/null | wc -l'])).stdout.trim()).toBe('0');
      });
    },
  );
}
