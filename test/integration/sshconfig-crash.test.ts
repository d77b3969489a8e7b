import { parseLock } from '../../src/os/lock.js';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { seededRandom } from '../support/prng.js';

// SIGKILL `tunnel config --write` at seeded-random moments: whatever instant it dies, each file
// holds a complete old or new version (temp file + fsync + rename), and the next run recovers
// the dead writer's lock. No sshd is needed: the entry is resolved with ssh -G, never connected.
const ITERATIONS = 30;
const SEED = 0x5eed;

let dir: string;
let config: string;
let tunnelConf: string;
const initialConfig = "# the user's own file\nHost far\n  HostName 127.0.0.1\n  Port 2222\n";

const writeArgs = (port: number) => [
  'config',
  'crash',
  '-F',
  config,
  '--to',
  'far',
  '-L',
  `${port}:/tmp/crash.sock`,
  '--ssh-dir',
  dir,
  '--write',
];
const read = (path: string) => readFile(path, 'utf8').catch(() => undefined);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tnl-crash-'));
  config = join(dir, 'config');
  tunnelConf = join(dir, 'config.d', 'tunnel.conf');
  await writeFile(config, initialConfig, { mode: 0o600 });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Polls (bounded) until the child holds the lock: the lock file then names its pid. */
async function waitForLockOf(lock: string, pid: number, child: Promise<unknown>, timeoutMs = 30_000): Promise<boolean> {
  let exited = false;
  void child.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (!exited && Date.now() < deadline) {
    if (parseLock((await read(lock)) ?? '')?.pid === pid) return true;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return false;
}

describe('tunnel config --write killed at random moments', () => {
  it(
    `leaves every file whole: old or new, never truncated (${ITERATIONS} SIGKILLs, seed ${SEED})`,
    { timeout: 120_000 },
    async () => {
      const lock = join(dir, 'config.d', '.tunnel.lock');
      const holds: number[] = [];
      /** Runs to completion, timing how long it held the lock (validation + backups + renames). */
      const complete = async (port: number) => {
        const child = execa('node', [CLI, ...writeArgs(port)], {
          reject: false,
          stdin: 'ignore',
          env: { NO_COLOR: '1' },
        });
        const locked = await waitForLockOf(lock, child.pid!, child);
        const lockedAt = Date.now();
        const result = await child;
        if (locked) holds.push(Date.now() - lockedAt);
        expect(result.exitCode, result.stderr).toBe(0);
      };
      await complete(10_001);
      const configNew = await read(config);
      const tunnelA = await read(tunnelConf);
      await complete(10_002);
      const tunnelB = await read(tunnelConf);
      await complete(10_001);
      expect(configNew).toBe(`Include ${tunnelConf}\n${initialConfig}`);
      expect(tunnelA).not.toBe(tunnelB);

      const valid = {
        config: [initialConfig, configNew],
        tunnel: [undefined, tunnelA, tunnelB],
        configBackup: [undefined, initialConfig],
        tunnelBackup: [undefined, tunnelA, tunnelB],
      };
      const holdMs = Math.max(...holds);
      const next = seededRandom(SEED);
      const outcomes = { killedHoldingLock: 0, committedBeforeKill: 0 };
      for (let i = 0; i < ITERATIONS; i++) {
        if (next() < 0.3) {
          await writeFile(config, initialConfig);
          await rm(tunnelConf, { force: true });
        }
        const port = i % 2 === 0 ? 10_002 : 10_001;
        const child = execa('node', [CLI, ...writeArgs(port)], {
          reject: false,
          stdin: 'ignore',
          env: { NO_COLOR: '1' },
        });
        // Most of a run is node starting up; the kill lands while the writer holds the lock,
        // i.e. during validation, backups and renames, where a crash could do damage.
        const locked = await waitForLockOf(lock, child.pid!, child);
        await new Promise((resolve) => setTimeout(resolve, next() * holdMs * 1.2));
        child.kill('SIGKILL');
        const result = await child;
        const where = `iteration ${i}: locked=${locked} signal=${String(result.signal)}`;
        const state = { config: await read(config), tunnel: await read(tunnelConf) };
        expect(valid.config, where).toContain(state.config);
        expect(valid.tunnel, where).toContain(state.tunnel);
        expect(valid.configBackup, where).toContain(await read(`${config}.bak-tunnel`));
        expect(valid.tunnelBackup, where).toContain(await read(`${tunnelConf}.bak`));
        if (locked && result.signal === 'SIGKILL') outcomes.killedHoldingLock++;
        if (result.signal === 'SIGKILL' && state.tunnel === (port === 10_001 ? tunnelA : tunnelB))
          outcomes.committedBeforeKill++;
      }
      // A kill after a fast write finished is harmless; at least a third must land inside the window.
      expect(outcomes.killedHoldingLock).toBeGreaterThanOrEqual(ITERATIONS / 3);

      // Two real changes, so the lock is taken and the dead writers' leftovers are swept.
      await complete(10_002);
      await complete(10_001);
      expect(await read(config)).toBe(configNew);
      expect(await read(tunnelConf)).toBe(tunnelA);
      expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
      expect((await readdir(join(dir, 'config.d'))).sort()).toEqual(['tunnel.conf', 'tunnel.conf.bak']);
      process.stdout.write(
        `crash loop: ${JSON.stringify(outcomes)} of ${ITERATIONS}; lock held ≤ ${holdMs} ms per write\n`,
      );
    },
  );
});
