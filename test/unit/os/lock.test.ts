import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withLock } from '../../../src/os/lock.js';

// One contender process: for each round, waits for the go file, takes the lock, logs in/out, releases.
const CONTENDER = `
  const { acquireLock, releaseLock } = await import(process.argv[1]);
  const [lock, dir, rounds] = process.argv.slice(2);
  const { appendFileSync, existsSync } = await import('node:fs');
  for (let round = 0; round < Number(rounds); round++) {
    while (!existsSync(dir + '/go-' + round)) await new Promise((r) => setTimeout(r, 2));
    await acquireLock(lock, { waitMs: 5000 });
    appendFileSync(dir + '/round-' + round + '.log', 'in ' + process.pid + '\\n');
    await new Promise((r) => setTimeout(r, 20));
    appendFileSync(dir + '/round-' + round + '.log', 'out ' + process.pid + '\\n');
    await releaseLock(lock);
  }
`;

describe('withLock', () => {
  let dir: string;
  let lock: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'tnl-lock-'));
    lock = join(dir, 'config.json.lock');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs sections one at a time and removes the lock afterwards', async () => {
    const events: string[] = [];
    const section = (id: number) =>
      withLock(lock, async () => {
        events.push(`start ${id}`);
        await new Promise((r) => setTimeout(r, 20));
        events.push(`end ${id}`);
      });
    await Promise.all([section(1), section(2), section(3)]);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i]!.replace('start', 'end'));
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
  });

  it('creates the lock 0600 holding its pid', async () => {
    await withLock(lock, async () => {
      expect((await stat(lock)).mode & 0o777).toBe(0o600);
      expect(await readFile(lock, 'utf8')).toMatch(new RegExp(`^pid=${process.pid} start=\\d+ boot=[0-9a-f-]+\\n$`));
    });
  });

  it('breaks a lock whose process is gone', async () => {
    const dead = await execa('sh', ['-c', 'echo $$']);
    await writeFile(lock, `${dead.stdout.trim()} 0000000000000000\n`);
    await expect(withLock(lock, () => 'ran', { timeoutMs: 1000 })).resolves.toBe('ran');
  });

  it('breaks a lock older than staleMs even if its pid lives', async () => {
    await writeFile(lock, `${process.ppid} 0000000000000000\n`);
    await new Promise((r) => setTimeout(r, 60));
    await expect(withLock(lock, () => 'ran', { timeoutMs: 1000, staleMs: 50 })).resolves.toBe('ran');
  });

  it('gives up with LOCKED naming the holder when a live process keeps it', async () => {
    await writeFile(lock, `${process.ppid} 0000000000000000\n`);
    await expect(withLock(lock, () => 'ran', { timeoutMs: 150 })).rejects.toMatchObject({
      code: 'LOCKED',
      message: expect.stringContaining(`held by pid ${process.ppid}`),
    });
    expect(await readFile(lock, 'utf8')).toBe(`${process.ppid} 0000000000000000\n`);
  });

  it('releases the lock when the section throws', async () => {
    await expect(
      withLock(lock, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
  });

  it('a lock held by a recycled pid (same pid, other start time) is stale', async () => {
    await writeFile(lock, `pid=${process.ppid} start=1 boot=-\n`);
    await expect(withLock(lock, () => 'ran', { timeoutMs: 1000 })).resolves.toBe('ran');
  });

  it("six processes racing to take over a dead holder's lock: never two holders at once (20 rounds)", async () => {
    const module = join(import.meta.dirname, '../../../dist/os/lock.js');
    const dead = (await execa('sh', ['-c', 'echo $$'])).stdout.trim();
    const rounds = 20;
    const contenders = Array.from({ length: 6 }, () =>
      execa(process.execPath, ['--input-type=module', '-e', CONTENDER, module, lock, dir, String(rounds)], {
        timeout: 60_000,
      }),
    );
    try {
      for (let round = 0; round < rounds; round++) {
        const log = join(dir, `round-${round}.log`);
        await writeFile(lock, `pid=${dead} start=1 boot=-\n`);
        await writeFile(join(dir, `go-${round}`), '');
        const deadline = Date.now() + 20_000;
        let events: string[] = [];
        while (events.length < 12 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
          events = (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
        }
        expect(events).toHaveLength(12);
        for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i]!.replace('in', 'out'));
      }
    } finally {
      for (const c of contenders) c.kill('SIGKILL');
      await Promise.allSettled(contenders);
    }
  }, 90_000);
});
