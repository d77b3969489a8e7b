import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { parseLock } from '../../src/os/lock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { freePort } from '../support/processes.js';
import {
  CLI,
  makeSandbox,
  plant,
  removeDir,
  runInSandbox,
  sandboxEnv,
  type Sandbox,
} from '../fixtures/hardening/cli-sandbox.js';
import { makeShortDir } from '../fixtures/hardening/odd-names.js';
import { randomTools } from '../support/prng.js';

// SIGKILL at random (seeded) moments while state is being written: files are always whole
// JSON (old or new), nothing is left running that `down` cannot find, and a lock left by a
// dead process never blocks the next start.

const SEED = 0xc4a5_0001;
const ITERATIONS = 30;

let sshd: TestSshd;
let dir: string;
let config: string;
let appSocket: string;
let app: Awaited<ReturnType<typeof startApp>>;

beforeAll(async () => {
  dir = await makeShortDir();
  sshd = await startSshd({ alias: 'hopA' });
  config = await writeClientConfig(dir, [sshd]);
  appSocket = join(dir, 'app.sock');
  app = await startApp(appSocket, 'still here');
});

afterAll(async () => {
  await app?.stop();
  await sshd?.stop();
  await removeDir(dir);
});

interface Tagged {
  pid: number;
  argv: string[];
}

/** Live processes whose environment carries our mark: the CLI, its supervisor and their ssh. */
async function processesWithMark(mark: string): Promise<Tagged[]> {
  const found: Tagged[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const environ = await readFile(`/proc/${name}/environ`, 'utf8').catch(() => '');
    if (!environ.split('\0').includes(`TNL_HARDENING_MARK=${mark}`)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (/^\d+ \(.*\) Z/.test(stat)) continue;
    found.push({
      pid: Number(name),
      argv: (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean),
    });
  }
  return found;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Every *.json the tool keeps for the tunnel parses (a torn write would not). */
async function expectWholeJson(stateDir: string, context: string): Promise<number> {
  const tunnelDir = join(stateDir, 'tunnels', 'crash');
  const names = await readdir(tunnelDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const text = await readFile(join(tunnelDir, name), 'utf8');
    expect(
      (): unknown => JSON.parse(text),
      `${context}: ${name} is torn: ${JSON.stringify(text.slice(-80))}`,
    ).not.toThrow();
  }
  return names.filter((n) => n.endsWith('.tmp')).length;
}

describe(`up -d killed with SIGKILL at ${ITERATIONS} seeded moments (seed ${SEED.toString(16)})`, () => {
  it('state stays parseable, down always finds and stops everything, and the next start is never blocked', async () => {
    const r = randomTools(SEED);
    const box: Sandbox = await makeSandbox();
    const killed: Record<string, number> = {};
    let leftoverTemps = 0;
    try {
      for (let i = 0; i < ITERATIONS; i += 1) {
        const mark = `crash-${i}`;
        const port = await freePort();
        const target = i % 2 === 0 ? '__supervise' : 'up';
        // The CLI hands over to the supervisor within a few hundred ms: aim its kills inside that window.
        const delayMs = target === 'up' ? r.int(0, 300) : r.int(0, 1200);
        const cli = execa(
          process.execPath,
          [
            CLI,
            'up',
            '-d',
            '--name',
            'crash',
            '-F',
            config,
            '--to',
            'hopA',
            '-L',
            `${port}:${appSocket}`,
            '--health-interval',
            '0',
          ],
          {
            env: sandboxEnv(box, { mark }),
            extendEnv: false,
            reject: false,
            stdin: 'ignore',
            timeout: 40_000,
          },
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        const running = await processesWithMark(mark);
        const victim = running.find((p) => p.argv.includes(target)) ?? running.find((p) => p.argv.includes('up'));
        if (victim !== undefined) kill(victim.pid);
        const label =
          victim === undefined ? 'none (already exited)' : victim.argv.includes('__supervise') ? 'supervisor' : 'cli';
        killed[label] = (killed[label] ?? 0) + 1;
        const context = `iteration ${i}: killed the ${label} after ${delayMs} ms`;
        await cli;
        leftoverTemps += await expectWholeJson(box.state, context);

        if (i % 3 === 0) {
          // Readers cope with whatever was left (every third time: each run is a node start-up).
          const status = await runInSandbox(['status', 'crash'], box, { mark: `${mark}-status` });
          expect(status.stderr, context).not.toMatch(/corrupt|internal error/);
        }
        const down = await runInSandbox(['down', 'crash'], box, { mark: `${mark}-down`, timeoutMs: 30_000 });
        expect([EXIT.ok, EXIT.notFound], `${context}: ${down.stderr}`).toContain(down.exitCode);
        const left = await processesWithMark(mark);
        left.forEach((p) => kill(p.pid));
        expect(
          left.map((p) => p.argv.join(' ')),
          `${context}: left running after down`,
        ).toEqual([]);
        expect(existsSync(join(box.state, 'tunnels', 'crash')), context).toBe(false);
      }
    } finally {
      await removeDir(box.root);
    }
    // What the seed exercised, for the report: both kinds of victim must have been hit.
    console.info('crash loop victims', killed, 'leftover temp files', leftoverTemps);
    expect(killed.supervisor ?? 0).toBeGreaterThan(3);
    expect(killed.cli ?? 0).toBeGreaterThan(3);
  }, 300_000);
});

describe('an ssh that no record names', () => {
  it('is still found and stopped by down (the supervisor died between starting it and publishing its pid)', async () => {
    const box = await makeSandbox();
    try {
      const port = await freePort();
      const started = await runInSandbox(
        ['up', '-d', '--name', 'orphan', '-F', config, '--to', 'hopA', '-L', `${port}:${appSocket}`, '--json'],
        box,
        { mark: 'orphan', timeoutMs: 40_000 },
      );
      expect(started.exitCode, started.stderr).toBe(EXIT.ok);
      const { supervisorPid, pids } = JSON.parse(started.stdout) as { supervisorPid: number; pids: number[] };
      expect(pids).toHaveLength(1);
      kill(supervisorPid);
      // Replay the unlucky moment: the record never got the ssh pid.
      const recordPath = join(box.state, 'tunnels', 'orphan', 'record.json');
      const record = JSON.parse(await readFile(recordPath, 'utf8')) as Record<string, unknown>;
      await writeFile(recordPath, JSON.stringify({ ...record, sshPids: [] }));
      const down = await runInSandbox(['down', 'orphan'], box, { timeoutMs: 30_000 });
      expect(down.exitCode, down.stderr).toBe(EXIT.ok);
      const left = await processesWithMark('orphan');
      left.forEach((p) => kill(p.pid));
      expect(left.map((p) => p.argv.join(' '))).toEqual([]);
    } finally {
      await removeDir(box.root);
    }
  });
});

describe('writeFileAtomic under SIGKILL', () => {
  it('a reader always sees one whole version, never a torn one', async () => {
    const atomic = join(dirname(dirname(CLI)), 'os', 'atomic.js');
    const box = await makeSandbox();
    const r = randomTools(SEED + 1);
    const target = join(box.state, 'record.json');
    // Two large, different versions: a torn write would show up as invalid JSON or a mix.
    const versions = ['a', 'b'].map((fill) => JSON.stringify({ fill, data: fill.repeat(400_000) }));
    await writeFile(target, versions[0]!);
    const writer = `import { writeFileAtomic } from ${JSON.stringify(atomic)};
const versions = ['a', 'b'].map((fill) => JSON.stringify({ fill, data: fill.repeat(400_000) }));
process.stdout.write('ready\\n');
for (let i = 0; ; i += 1) await writeFileAtomic(${JSON.stringify(target)}, versions[i % 2]);`;
    try {
      for (let i = 0; i < ITERATIONS; i += 1) {
        const child = spawn(process.execPath, ['--input-type=module', '-e', writer], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        await new Promise((resolve) => child.stdout.once('data', resolve));
        await new Promise((resolve) => setTimeout(resolve, r.int(1, 60)));
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
        const text = await readFile(target, 'utf8');
        expect(versions.includes(text), `iteration ${i}: ${text.length} bytes, not a whole version`).toBe(true);
      }
      const temps = (await readdir(box.state)).filter((n) => n.endsWith('.tmp'));
      console.info('atomic writer: temp files left by SIGKILL', temps.length);
    } finally {
      await removeDir(box.root);
    }
  }, 120_000);
});

describe('a lock left by a dead process', () => {
  it("is taken over: up -d --name same succeeds, and a dead run's old record is not mistaken for the new one", async () => {
    const box = await makeSandbox();
    try {
      const dead = spawn('true');
      await new Promise((resolve) => dead.once('exit', resolve));
      const deadPid = dead.pid!;
      // What a SIGKILLed run leaves: its lock, and a record that still says "up".
      const oldRecord = {
        name: 'same',
        supervisorPid: deadPid,
        state: 'up',
        strategy: 'jump',
        route: ['localhost', 'hopA'],
        forwards: [],
        sshPids: [],
        localSockets: [],
        remoteCleanup: [],
        commands: [],
        startedAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        restarts: 0,
      };
      await plant(box.state, {
        'tunnels/same/supervisor.lock': `${deadPid}\n`,
        'tunnels/same/record.json': JSON.stringify(oldRecord),
      });

      // A start that must fail (the remote socket's directory does not exist) is reported as failed,
      // not as the dead run's "up".
      const failing = await runInSandbox(
        ['up', '-d', '--name', 'same', '-F', config, '--to', 'hopA', '-R', `${dir}/missing/r.sock:127.0.0.1:9`],
        box,
        { timeoutMs: 40_000 },
      );
      expect(failing.exitCode, failing.stdout + failing.stderr).toBe(EXIT.forward);

      await plant(box.state, { 'tunnels/same/supervisor.lock': `${deadPid}\n` });
      const port = await freePort();
      const started = await runInSandbox(
        ['up', '-d', '--name', 'same', '-F', config, '--to', 'hopA', '-L', `${port}:${appSocket}`, '--json'],
        box,
        { timeoutMs: 40_000 },
      );
      expect(started.exitCode, started.stderr).toBe(EXIT.ok);
      const record = JSON.parse(started.stdout) as { state: string; supervisorPid: number };
      expect(record.state).toBe('up');
      expect(record.supervisorPid).not.toBe(deadPid);
      expect(parseLock(await readFile(join(box.state, 'tunnels', 'same', 'supervisor.lock'), 'utf8'))?.pid).toBe(
        record.supervisorPid,
      );
      const down = await runInSandbox(['down', 'same'], box, { timeoutMs: 30_000 });
      expect(down.exitCode, down.stderr).toBe(EXIT.ok);
    } finally {
      await runInSandbox(['down', 'same'], box).catch(() => undefined);
      await removeDir(box.root);
    }
  });
});
