import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
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
import { descendants, freePort, isAlive, killPids, waitFor } from '../harness/proc.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { lines } from '../support/child-lines.js';

const PYTHON = '/usr/bin/python3';
const ready = existsSync('/usr/bin/work_queue_worker') && existsSync(PYTHON);

/*
 * Self-healing slots on loopback: the head node's sshd drops every session (the manager's -R and
 * each worker's -L alike). The -R comes back on the same explicit port (the supervisor), each slot
 * reopens its -L on the SAME local port with its worker paused meanwhile, the worker processes are
 * the same ones before and after, and task results flow again. Then with the head node gone for
 * good, each slot gives up after --forward-give-up and leaves no process and no directory.
 */
const STREAM_MANAGER = `
import sys, time, work_queue as wq
q = wq.WorkQueue(port=0)
print("PORT", q.port, flush=True)
submitted = done = 0
deadline = time.time() + float(sys.argv[1])
while time.time() < deadline:
    while submitted - done < 2:
        q.submit(wq.Task("sleep 0.2; echo task-%d" % submitted))
        submitted += 1
    t = q.wait(1)
    if t:
        done += 1
        print("RESULT %.3f %d %s" % (time.time(), t.return_status, t.output.strip()), flush=True)
`;

/** Unix ms of each RESULT line the manager printed, in order. */
const resultTimes = (out: string[]): number[] =>
  out
    .map((l) => /^RESULT (\d+\.\d+) 0 task-\d+$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]) * 1000);

describe.skipIf(!ready)(
  'workqueue worker slots heal: an sshd drop on the head node, then a give-up',
  { timeout: 120_000 },
  () => {
    let head: TestSshd;
    let dir: string;
    let cfg: string;
    let manager: ChildProcess | undefined;
    let workers: ChildProcess | undefined;
    let started: StartedPreset | undefined;

    beforeAll(async () => {
      dir = await mkdtemp(join(os.tmpdir(), 'tnl-wqh-'));
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

    it('keeps the same workers and local ports through a kill of every sshd session, then gives up cleanly', async () => {
      await writeFile(join(dir, 'manager.py'), STREAM_MANAGER);
      manager = spawn(PYTHON, [join(dir, 'manager.py'), '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const managerOut = lines(manager);
      const managerPort = Number((await managerOut.waitFor(/^PORT \d+$/, 15_000)).split(' ')[1]);
      // An explicit head port: this test is about the workers, not about -R 0 getting its port back.
      const headPort = await freePort();
      started = await startPreset(
        await resolvePresetUp('workqueue', {
          via: ['headnode'],
          port: managerPort,
          remotePort: headPort,
          sshConfig: cfg,
          batchMode: true,
          keepalive: 2,
        }),
        { readyTimeoutMs: 20_000 },
      );
      const preset = (await findPreset('workqueue')) as ReversePreset;
      const script = renderWorkerScript(preset, await readTemplate('workqueue-worker.sh'), {
        name: 'wqheal',
        head: 'headnode',
        headPort,
        count: 2,
        sshConfig: cfg,
        forwardGiveUp: 8,
      });
      const scriptPath = join(dir, 'workers.sh');
      await writeFile(scriptPath, script, { mode: 0o700 });
      const tmpBefore = new Set(await readdir(os.tmpdir()));
      workers = spawn('bash', [scriptPath], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, TMPDIR: os.tmpdir() },
      });
      const workerOut = lines(workers);
      const workerProcs = async () =>
        (await descendants(workers!.pid!))
          .filter((p) => p.comm.startsWith('work_queue_work'))
          .map((p) => p.pid)
          .sort();
      await waitFor(
        () => resultTimes(managerOut.all).length >= 4,
        30_000,
        `4 results; workers said:\n${workerOut.all.join('\n')}`,
      );
      await waitFor(async () => (await workerProcs()).length === 2, 10_000, 'two workers');
      const before = await workerProcs();
      const ports = workerOut.all
        .map((l) => /forward 127\.0\.0\.1:(\d+) -> /.exec(l)?.[1])
        .filter((p) => p !== undefined)
        .sort();
      expect(ports).toHaveLength(2);

      await head.killConnections();
      const faultEnd = Date.now();
      await waitFor(
        () => resultTimes(managerOut.all).filter((t) => t > faultEnd).length >= 3,
        45_000,
        `results after the fault; workers said:\n${workerOut.all.join('\n')}`,
      );
      const firstAfter = resultTimes(managerOut.all).find((t) => t > faultEnd)!;
      // The floor is work_queue_worker's own: after losing its manager it sleeps 5 s, then backs off 1 s.
      console.info(
        `workqueue heal (loopback): sshd sessions killed -> next task result after ${Math.round(firstAfter - faultEnd)} ms`,
      );
      const back = workerOut.all
        .map((l) => /forward 127\.0\.0\.1:(\d+) is back after \d+s; worker resumed/.exec(l)?.[1])
        .filter((p) => p !== undefined)
        .sort();
      expect(back).toEqual(ports);
      expect(await workerProcs()).toEqual(before);

      // The head node goes away for good. Another program binds each slot's port meanwhile: the paused
      // worker must never connect to it (unpaused, it would retry within 6 s). After 8 s each slot ends.
      const tree = (await descendants(workers.pid!)).filter(
        (p) => p.comm === 'ssh' || p.comm.startsWith('work_queue_work'),
      );
      const exited = new Promise<number | null>((resolve) => workers!.once('exit', (code) => resolve(code)));
      const t0 = Date.now();
      await started.down();
      started = undefined;
      await head.stop();
      const pausedTwice = (port: string) =>
        workerOut.all.filter((l) => l.includes(`worker paused, reopening 127.0.0.1:${port}`)).length === 2;
      await waitFor(
        () => ports.every(pausedTwice),
        10_000,
        `both slots paused again; workers said:\n${workerOut.all.join('\n')}`,
      );
      let impostorConnections = 0;
      const impostors = await Promise.all(
        ports.map(
          (port) =>
            new Promise<Server>((resolve, reject) => {
              const server = createServer((socket) => {
                impostorConnections += 1;
                socket.destroy();
              });
              server.once('error', reject).listen(Number(port), '127.0.0.1', () => resolve(server));
            }),
        ),
      );
      try {
        expect(await exited).toBe(1);
      } finally {
        for (const server of impostors) server.close();
      }
      console.info(
        `workqueue heal (loopback): head node gone -> worker script ended by itself after ${Date.now() - t0} ms (--forward-give-up 8)`,
      );
      expect(impostorConnections).toBe(0);
      expect(workerOut.all.filter((l) => /gave up after 8s without the forward/.test(l))).toHaveLength(2);
      for (const p of tree) expect(await isAlive(p.pid), `${p.comm} ${p.pid}`).toBe(false);
      const leftovers = (await readdir(os.tmpdir())).filter((f) => f.startsWith('tnl-wq.') && !tmpBefore.has(f));
      expect(leftovers).toEqual([]);
    });
  },
);

/*
 * Ctrl-C: a terminal sends SIGINT to the whole foreground process group, and bash starts background
 * jobs (the slots, their ssh and worker) with SIGINT ignored, so the script's own INT trap must stop
 * them. Either way, nothing may be left: no ssh, no worker, no directory. No manager is needed here.
 */
describe.skipIf(!ready)('workqueue worker script: SIGINT cleans up', { timeout: 60_000 }, () => {
  let head: TestSshd;
  let dir: string;
  let cfg: string;
  const started: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'tnl-wqint-'));
    head = await startSshd({ alias: 'headnode' });
    cfg = await writeClientConfig(dir, [head]);
  }, 60_000);

  afterAll(async () => {
    for (const child of started)
      if (child.pid !== undefined && (await isAlive(child.pid))) await killPids([child.pid], 'SIGKILL');
    await head?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['to the process group (Ctrl-C in a terminal)', true],
    ['to the script alone', false],
  ])('SIGINT %s stops every slot, its ssh and its worker, and removes its directories', async (_, group) => {
    const preset = (await findPreset('workqueue')) as ReversePreset;
    const script = renderWorkerScript(preset, await readTemplate('workqueue-worker.sh'), {
      name: 'wqint',
      head: 'headnode',
      headPort: await freePort(),
      count: 2,
      sshConfig: cfg,
    });
    const scriptPath = join(dir, `workers-${String(group)}.sh`);
    await writeFile(scriptPath, script, { mode: 0o700 });
    const tmpBefore = new Set(await readdir(os.tmpdir()));
    const workers = spawn('bash', [scriptPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, TMPDIR: os.tmpdir() },
    });
    started.push(workers);
    const out = lines(workers);
    const tree = async () =>
      (await descendants(workers.pid!)).filter((p) => p.comm === 'ssh' || p.comm.startsWith('work_queue_work'));
    await waitFor(
      async () => (await tree()).length === 4,
      20_000,
      `two ssh and two workers; the script said:\n${out.all.join('\n')}`,
    );
    const before = await tree();
    const exited = new Promise<number | null>((resolve) => workers.once('exit', (code) => resolve(code)));
    process.kill(group ? -workers.pid! : workers.pid!, 'SIGINT');
    expect(await exited).toBe(130);
    for (const p of before) expect(await isAlive(p.pid), `${p.comm} ${p.pid}`).toBe(false);
    expect((await readdir(os.tmpdir())).filter((f) => f.startsWith('tnl-wq.') && !tmpBefore.has(f))).toEqual([]);
  });

  it('a port taken while the forward was down: the paused worker is replaced by a new one on a new port, never connecting', async () => {
    const preset = (await findPreset('workqueue')) as ReversePreset;
    const script = renderWorkerScript(preset, await readTemplate('workqueue-worker.sh'), {
      name: 'wqtaken',
      head: 'headnode',
      headPort: await freePort(),
      sshConfig: cfg,
    });
    const scriptPath = join(dir, 'workers-taken.sh');
    await writeFile(scriptPath, script, { mode: 0o700 });
    const workers = spawn('bash', [scriptPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: os.tmpdir() },
    });
    started.push(workers);
    const out = lines(workers);
    const procs = async (comm: string) =>
      (await descendants(workers.pid!)).filter((p) => p.comm.startsWith(comm)).map((p) => p.pid);
    const port = Number(
      /forward 127\.0\.0\.1:(\d+) -> /.exec(await out.waitFor(/forward 127\.0\.0\.1:\d+ -> .* is up/, 20_000))![1],
    );
    await waitFor(async () => (await procs('work_queue_work')).length === 1, 10_000, 'the worker');
    const [oldWorker] = await procs('work_queue_work');
    let connections = 0;
    const impostor = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    // Kill the slot's ssh and bind its port before the slot's new ssh (which first has to log in) can.
    const bound = async (): Promise<boolean> => {
      const [ssh] = await procs('ssh');
      if (ssh !== undefined) process.kill(ssh, 'SIGKILL');
      for (let i = 0; i < 100; i++) {
        const ok = await new Promise<boolean>((resolve) => {
          impostor.once('error', () => resolve(false)).listen(port, '127.0.0.1', () => resolve(true));
        });
        if (ok) return true;
        await new Promise((r) => setTimeout(r, 5));
      }
      return false;
    };
    try {
      let won = false;
      for (let attempt = 0; attempt < 5 && !won; attempt++) won = await bound();
      expect(won).toBe(true);
      await out.waitFor(
        new RegExp(`another program took local port ${port} meanwhile; replacing the worker with one on a new port`),
        20_000,
      );
      await waitFor(
        () => out.all.filter((l) => /forward 127\.0\.0\.1:\d+ -> .* is up/.test(l)).length === 2,
        20_000,
        `a new forward; the script said:\n${out.all.join('\n')}`,
      );
      const last = out.all.filter((l) => /forward 127\.0\.0\.1:\d+ -> .* is up/.test(l)).at(-1)!;
      expect(Number(/127\.0\.0\.1:(\d+)/.exec(last)![1])).not.toBe(port);
      expect(await isAlive(oldWorker!)).toBe(false);
      await waitFor(async () => (await procs('work_queue_work')).length === 1, 10_000, 'the new worker');
      expect(connections).toBe(0);
    } finally {
      impostor.close();
    }
    const exited = new Promise<number | null>((resolve) => workers.once('exit', (code) => resolve(code)));
    workers.kill('SIGTERM');
    expect(await exited).toBe(143);
  });

  // Last: it stops the head node. A paused worker gets its TERM only once continued, and a slot
  // napping between reconnect attempts must not make scancel wait for the nap.
  it('SIGTERM while the forward is down (worker paused, slot between attempts) still cleans up at once', async () => {
    const preset = (await findPreset('workqueue')) as ReversePreset;
    const script = renderWorkerScript(preset, await readTemplate('workqueue-worker.sh'), {
      name: 'wqpause',
      head: 'headnode',
      headPort: await freePort(),
      count: 2,
      sshConfig: cfg,
    });
    const scriptPath = join(dir, 'workers-paused.sh');
    await writeFile(scriptPath, script, { mode: 0o700 });
    const tmpBefore = new Set(await readdir(os.tmpdir()));
    const workers = spawn('bash', [scriptPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: os.tmpdir() },
    });
    started.push(workers);
    const out = lines(workers);
    const tree = async () =>
      (await descendants(workers.pid!)).filter((p) => p.comm === 'ssh' || p.comm.startsWith('work_queue_work'));
    await waitFor(
      async () => (await tree()).length === 4,
      20_000,
      `two ssh and two workers; the script said:\n${out.all.join('\n')}`,
    );
    await head.stop();
    await waitFor(
      () => out.all.filter((l) => /forward still down \(attempt 2\)/.test(l)).length === 2,
      20_000,
      `both slots retrying; the script said:\n${out.all.join('\n')}`,
    );
    const paused = (await tree()).filter((p) => p.comm.startsWith('work_queue_work'));
    expect(paused.map((p) => p.state)).toEqual(['T', 'T']);
    const exited = new Promise<number | null>((resolve) => workers.once('exit', (code) => resolve(code)));
    const t0 = Date.now();
    workers.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(Date.now() - t0).toBeLessThan(2000);
    for (const p of paused) expect(await isAlive(p.pid), `${p.comm} ${p.pid}`).toBe(false);
    expect((await tree()).length).toBe(0);
    expect((await readdir(os.tmpdir())).filter((f) => f.startsWith('tnl-wq.') && !tmpBefore.has(f))).toEqual([]);
  });
});
