import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findPreset,
  readTemplate,
  resolvePresetUp,
  startPreset,
  type ReversePreset,
  type StartedPreset,
} from '../../src/presets/index.js';
import { renderWorkerScript } from '../../src/workqueue/worker-script.js';
import { descendants, isAlive, killPids, tcpProbe } from '../harness/proc.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { lines } from '../support/child-lines.js';

/*
 * The CCL recipe end to end on loopback: a real Work Queue manager (python3-workqueue) on the
 * "laptop", `tunnel up workqueue` publishing it on the "head node" (a real sshd) with -R 0, and
 * the rendered worker script run as the "compute node": its own ssh -L per worker to the head
 * node, then work_queue_worker through it. A task result must come back to the manager.
 */
const PYTHON = '/usr/bin/python3';
const ready = existsSync('/usr/bin/work_queue_worker') && existsSync(PYTHON);

const MANAGER = `
import sys, time, work_queue as wq
q = wq.WorkQueue(port=0)
print("PORT", q.port, flush=True)
n = int(sys.argv[1])
for i in range(n):
    q.submit(wq.Task("echo task-%d" % i))
deadline, done = time.time() + 60, 0
while done < n and time.time() < deadline:
    t = q.wait(1)
    if t:
        print("RESULT", t.return_status, t.output.strip(), flush=True)
        done += 1
print("DONE", done, flush=True)
time.sleep(120)
`;

describe.skipIf(!ready)(
  'workqueue preset: manager -> -R on the head node -> per-worker -L -> work_queue_worker',
  { timeout: 90_000 },
  () => {
    let head: TestSshd;
    let dir: string;
    let cfg: string;
    let manager: ChildProcess | undefined;
    let workers: ChildProcess | undefined;
    let started: StartedPreset | undefined;

    beforeAll(async () => {
      dir = await mkdtemp(join(os.tmpdir(), 'tnl-wq-'));
      head = await startSshd({ alias: 'headnode' });
      cfg = await writeClientConfig(dir, [head]);
    }, 60_000);

    afterAll(async () => {
      for (const child of [workers, manager])
        if (child?.pid !== undefined && (await isAlive(child.pid))) await killPids([child.pid], 'SIGKILL');
      await started?.down().catch(() => undefined);
      await head?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('two workers on one node each get their own forward, every task result comes back, SIGTERM cleans up', async () => {
      await writeFile(join(dir, 'manager.py'), MANAGER);
      manager = spawn(PYTHON, [join(dir, 'manager.py'), '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const managerOut = lines(manager);
      const managerPort = Number((await managerOut.waitFor(/^PORT \d+$/, 15_000)).split(' ')[1]);

      const presetUp = await resolvePresetUp('workqueue', {
        via: ['headnode'],
        port: managerPort,
        sshConfig: cfg,
        batchMode: true,
      });
      started = await startPreset(presetUp, { readyTimeoutMs: 20_000 });
      const headPort = Number(started.report.json.remotePort);
      expect(headPort).toBeGreaterThan(0);
      expect(started.tunnel.plan.tunnel.argv).toContain(`0:localhost:${managerPort}`);
      expect(started.report.json.workerCommand).toEqual([
        'tunnel',
        'worker',
        'workqueue',
        'JOBNAME',
        '--head',
        'headnode',
        '--head-port',
        String(headPort),
      ]);
      expect(await tcpProbe('127.0.0.1', headPort)).toBe(true);

      const preset = (await findPreset('workqueue')) as ReversePreset;
      const script = renderWorkerScript(preset, await readTemplate('workqueue-worker.sh'), {
        name: 'wqtest',
        head: 'headnode',
        headPort,
        count: 2,
        sshConfig: cfg,
        workerArgs: ['--timeout', '60'],
      });
      const scriptPath = join(dir, 'workers.sh');
      await writeFile(scriptPath, script, { mode: 0o700 });
      const tmpBefore = new Set(await readdir(os.tmpdir()));
      const t0 = Date.now();
      workers = spawn('bash', [scriptPath], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, TMPDIR: os.tmpdir() },
      });
      const workerOut = lines(workers);

      await managerOut.waitFor(/^DONE 4$/, 60_000);
      const firstResult = Date.now() - t0;
      const results = managerOut.all.filter((l) => l.startsWith('RESULT')).sort();
      expect(results).toEqual(['RESULT 0 task-0', 'RESULT 0 task-1', 'RESULT 0 task-2', 'RESULT 0 task-3']);
      const forwards = workerOut.all
        .map((l) => /forward 127\.0\.0\.1:(\d+) -> localhost:(\d+) on headnode is up/.exec(l))
        .filter((m) => m !== null);
      expect(forwards).toHaveLength(2);
      expect(new Set(forwards.map((m) => m[1])).size).toBe(2);
      for (const m of forwards) expect(Number(m[2])).toBe(headPort);
      console.info(`workqueue: worker script start -> all 4 results in ${firstResult} ms`);

      const tree = (await descendants(workers.pid!)).map((p) => ({ pid: p.pid, comm: p.comm }));
      expect(tree.filter((p) => p.comm === 'ssh')).toHaveLength(2);
      expect(tree.filter((p) => p.comm.startsWith('work_queue_work'))).toHaveLength(2);
      const exited = new Promise<number | null>((resolve) =>
        workers!.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : 128))),
      );
      workers.kill('SIGTERM');
      expect(await exited).toBe(143);
      for (const p of tree) expect(await isAlive(p.pid), `${p.comm} ${p.pid}`).toBe(false);
      const leftovers = (await readdir(os.tmpdir())).filter((f) => f.startsWith('tnl-wq.') && !tmpBefore.has(f));
      expect(leftovers).toEqual([]);
    });
  },
);
