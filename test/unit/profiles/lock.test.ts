import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withLock } from '../../../src/profiles/lock.js';

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
    const section = (id: number) => withLock(lock, async () => {
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
      expect(await readFile(lock, 'utf8')).toMatch(new RegExp(`^${process.pid} [0-9a-f]{16}\\n$`));
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
    await expect(withLock(lock, () => {
      throw new Error('boom');
    })).rejects.toThrow('boom');
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
  });
});
