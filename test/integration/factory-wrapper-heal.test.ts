import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTemplate } from '../../src/presets/load.js';
import { FACTORY_WRAPPER_TEMPLATE, renderFactoryWrapper } from '../../src/workqueue/factory-wrapper.js';
import { cmdline, descendants, isAlive, killPids, waitFor } from '../harness/proc.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { lines } from '../support/child-lines.js';

const PYTHON = '/usr/bin/python3';
const WORKER = '/usr/bin/work_queue_worker';
const ready = existsSync(WORKER) && existsSync(PYTHON);

/*
 * The factory's --wrapper on loopback, with a real work_queue_worker and a real manager. The
 * manager listens on the "head node" (the test sshd's host); the wrapper is given the worker
 * command line the factory would run there (`work_queue_worker localhost HEADPORT -t ... -C ...`)
 * and reaches HEADPORT through its own ssh -L. The head node's sshd drops every session: the
 * wrapper reopens the SAME local port with the same worker paused meanwhile, and a task submitted
 * afterwards comes back. A SIGTERM leaves nothing; with the head node gone for good it gives up
 * after --forward-give-up and leaves nothing either.
 */
const MANAGER = `
import select, sys, time, work_queue as wq
q = wq.WorkQueue(port=0)
print("PORT", q.port, flush=True)
deadline = time.time() + float(sys.argv[1])
while time.time() < deadline:
    if select.select([sys.stdin], [], [], 0)[0]:
        tag = sys.stdin.readline().strip()
        if not tag:
            break
        q.submit(wq.Task("echo %s" % tag))
    t = q.wait(1)
    if t:
        print("RESULT %.3f %d %s" % (time.time(), t.return_status, t.output.strip()), flush=True)
`;

const GIVE_UP = 8;

describe.skipIf(!ready)(
  'work_queue_factory wrapper heals its forward (real sshd, worker and manager on loopback)',
  { timeout: 120_000 },
  () => {
    let head: TestSshd;
    let dir: string;
    let cfg: string;
    let manager: ChildProcess;
    let managerOut: ReturnType<typeof lines>;
    let headPort: number;
    const started: ChildProcess[] = [];

    beforeAll(async () => {
      dir = await mkdtemp(join(os.tmpdir(), 'tnl-wqfh-'));
      head = await startSshd({ alias: 'headnode' });
      cfg = await writeClientConfig(dir, [head]);
      await writeFile(join(dir, 'manager.py'), MANAGER);
      manager = spawn(PYTHON, [join(dir, 'manager.py'), '110'], { stdio: ['pipe', 'pipe', 'pipe'] });
      managerOut = lines(manager);
      headPort = Number((await managerOut.waitFor(/^PORT \d+$/, 15_000)).split(' ')[1]);
    }, 60_000);

    afterAll(async () => {
      for (const child of [...started, manager])
        if (child?.pid !== undefined && (await isAlive(child.pid))) await killPids([child.pid], 'SIGKILL');
      await head?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    /** Starts the rendered wrapper as the factory's job would, with the factory's kind of worker command. */
    async function startWrapper(name: string) {
      const wrapperPath = join(dir, `${name}.sh`);
      await writeFile(
        wrapperPath,
        renderFactoryWrapper(await readTemplate(FACTORY_WRAPPER_TEMPLATE), {
          name,
          head: 'headnode',
          headPort,
          sshConfig: cfg,
          forwardGiveUp: GIVE_UP,
        }),
        { mode: 0o700 },
      );
      const wrapper = spawn(
        'bash',
        [wrapperPath, WORKER, 'localhost', String(headPort), '-t', '300', '-C', '127.0.0.1:9097'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, TMPDIR: os.tmpdir() },
        },
      );
      started.push(wrapper);
      const out = lines(wrapper);
      const exited = new Promise<number | null>((resolve) => wrapper.once('exit', (code) => resolve(code)));
      const procs = async () =>
        (await descendants(wrapper.pid!)).filter((p) => p.comm === 'ssh' || p.comm.startsWith('work_queue_work'));
      const workerPids = async () =>
        (await procs()).filter((p) => p.comm.startsWith('work_queue_work')).map((p) => p.pid);
      const port = Number(
        /forward 127\.0\.0\.1:(\d+) -> /.exec(
          await out.waitFor(/forward 127\.0\.0\.1:\d+ -> localhost:\d+ .* is up; starting the worker/, 20_000),
        )![1],
      );
      await waitFor(
        async () => (await workerPids()).length === 1,
        10_000,
        `the worker; the wrapper said:\n${out.all.join('\n')}`,
      );
      return { wrapper, out, exited, procs, workerPids, port };
    }

    /** Submits one task to the manager; resolves with the ms until its result came back. */
    async function roundTrip(tag: string, ms: number, said: () => string): Promise<number> {
      const t0 = Date.now();
      manager.stdin!.write(`${tag}\n`);
      await waitFor(
        () => managerOut.all.some((l) => new RegExp(`^RESULT \\d+\\.\\d+ 0 ${tag}$`).test(l)),
        ms,
        `the result of ${tag}; the wrapper said:\n${said()}`,
      );
      return Date.now() - t0;
    }

    /** The wrapper's directory, and the worker's own workspace had it been left where it goes by default. */
    const leftovers = async (before: Set<string>, workers: number[]) =>
      (await readdir(os.tmpdir())).filter(
        (f) =>
          (f.startsWith('tnl-wqf.') || workers.some((pid) => f === `worker-${os.userInfo().uid}-${pid}`)) &&
          !before.has(f),
      );
    const workersIn = (tree: Array<{ pid: number; comm: string }>) =>
      tree.filter((p) => p.comm.startsWith('work_queue_work')).map((p) => p.pid);

    it('an sshd drop on the head node: the same worker, paused, gets its forward back on the same port and runs the next task', async () => {
      const w = await startWrapper('wqfheal');
      const said = () => w.out.all.join('\n');
      // The worker talks to the manager through the forward, not to HEADPORT directly.
      const [worker] = await w.workerPids();
      expect(await cmdline(worker!)).toMatch(new RegExp(` localhost ${w.port} -t 300 `));
      await roundTrip('before-drop', 30_000, said);

      await head.killConnections();
      const t0 = Date.now();
      await w.out.waitFor(
        new RegExp(`the ssh forward ended .*; worker paused, reopening 127\\.0\\.0\\.1:${w.port}$`),
        15_000,
      );
      const back = await w.out.waitFor(/forward 127\.0\.0\.1:\d+ is back after \d+s; worker resumed/, 30_000);
      const reopenMs = Date.now() - t0;
      expect(back).toContain(`forward 127.0.0.1:${w.port} is back`);
      expect(await w.workerPids()).toEqual([worker]);
      const resultMs = await roundTrip('after-drop', 45_000, said);
      console.info(
        `factory wrapper heal (loopback): sshd sessions killed -> forward back on the same port after ${reopenMs} ms; a task submitted then came back in ${resultMs} ms`,
      );
      expect(await w.workerPids()).toEqual([worker]);
      expect(w.out.all.filter((l) => /starting the worker/.test(l))).toHaveLength(1);

      const tree = await w.procs();
      w.wrapper.kill('SIGTERM');
      expect(await w.exited).toBe(143);
      for (const p of tree) expect(await isAlive(p.pid), `${p.comm} ${p.pid}`).toBe(false);
    });

    it('SIGTERM (scancel) stops the ssh and the worker and removes the directory', async () => {
      const tmpBefore = new Set(await readdir(os.tmpdir()));
      const w = await startWrapper('wqfterm');
      await roundTrip('term', 30_000, () => w.out.all.join('\n'));
      const tree = await w.procs();
      expect(tree.map((p) => p.comm).sort()).toEqual(['ssh', 'work_queue_work']);
      w.wrapper.kill('SIGTERM');
      expect(await w.exited).toBe(143);
      for (const p of tree) expect(await isAlive(p.pid), `${p.comm} ${p.pid}`).toBe(false);
      expect(await leftovers(tmpBefore, workersIn(tree))).toEqual([]);
    });

    // Last: it stops the head node.
    it(`the head node gone for good: after --forward-give-up ${GIVE_UP} it says so, exits 1 and leaves nothing`, async () => {
      const tmpBefore = new Set(await readdir(os.tmpdir()));
      const w = await startWrapper('wqfgone');
      const tree = await w.procs();
      const t0 = Date.now();
      await head.stop();
      await w.out.waitFor(/worker paused, reopening/, 15_000);
      const paused = (await w.procs()).filter((p) => p.comm.startsWith('work_queue_work'));
      expect(paused.map((p) => p.state)).toEqual(['T']);
      expect(await w.exited).toBe(1);
      console.info(
        `factory wrapper heal (loopback): head node gone -> wrapper ended by itself after ${Date.now() - t0} ms (--forward-give-up ${GIVE_UP})`,
      );
      expect(
        w.out.all.filter((l) =>
          new RegExp(`gave up after ${GIVE_UP}s without the forward, stopping the worker`).test(l),
        ),
      ).toHaveLength(1);
      for (const p of tree) expect(await isAlive(p.pid), `${p.comm} ${p.pid}`).toBe(false);
      expect(await leftovers(tmpBefore, workersIn(tree))).toEqual([]);
    });
  },
);
