import { randomBytes } from 'node:crypto';
import { link, open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TunnelError } from '../errors.js';

export interface LockOptions {
  /** Give up after this long while another live process holds the lock (default 10 s). */
  timeoutMs?: number;
}

/** Runs `fn` holding an exclusive lock file (its content: the holder's pid). */
export async function withLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await acquire(lockPath, options.timeoutMs ?? 10_000);
  try {
    await removeDeadHoldersFiles(lockPath);
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

/**
 * Exclusive create, like O_EXCL, but via link(2) from a private file that already holds the
 * pid: a writer killed at any instant never leaves an empty lock whose owner nobody can tell.
 */
async function acquire(lockPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const mine = `${lockPath}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(mine, `${process.pid}\n`, { mode: 0o600, flag: 'wx' });
  try {
    for (;;) {
      try {
        await link(mine, lockPath);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readHolder(lockPath);
      if (holder !== undefined && isStale(holder)) {
        await breakStaleLock(lockPath, holder);
        continue;
      }
      if (Date.now() > deadline) {
        throw new TunnelError(
          'LOCKED',
          `${lockPath} is held by pid ${holder?.pid ?? '?'}; wait for that tunnel config to finish (or delete the file if no such process runs)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}

interface Holder {
  /** Undefined when the file holds no pid: never ours (we link a complete file), so foreign or damaged. */
  pid: number | undefined;
  ino: number;
  ageMs: number;
}

/** A dead holder; or a lock without a pid that has sat there longer than any write takes. */
function isStale(holder: Holder): boolean {
  return holder.pid === undefined ? holder.ageMs > 5_000 : !isAlive(holder.pid);
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  try {
    const handle = await open(lockPath, 'r');
    try {
      const [info, text] = [await handle.stat(), await handle.readFile('utf8')];
      const pid = /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
      return { pid, ino: info.ino, ageMs: Date.now() - info.mtimeMs };
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/** Signal 0 probes without signalling; EPERM means the pid exists (someone else's process). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves the dead holder's lock aside, then checks by inode that it was that very file: if a
 * racing process had already replaced it with its own live lock, that lock is put back.
 */
async function breakStaleLock(lockPath: string, holder: Holder): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return;
  }
  if ((await stat(aside)).ino !== holder.ino) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

/** Pid files (and set-aside stale locks) that killed processes left next to the lock. */
async function removeDeadHoldersFiles(lockPath: string): Promise<void> {
  const prefix = `${basename(lockPath)}.`;
  const names = await readdir(dirname(lockPath)).catch(() => [] as string[]);
  const dead = names.filter((name) => {
    const pid = /^(?:stale-)?(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
    return name.startsWith(prefix) && pid !== null && !isAlive(Number(pid[1]));
  });
  await Promise.all(dead.map((name) => unlink(join(dirname(lockPath), name)).catch(() => undefined)));
}
