import { open, readFile, unlink, writeFile } from 'node:fs/promises';
import { TunnelError } from '../errors.js';
import { isProcessAlive } from './process-check.js';

/**
 * Takes a lock file with O_EXCL holding our pid. A lock whose pid is dead is stale and
 * is taken over; a live one is an error naming who holds it.
 */
export async function acquireLock(path: string, what: string, pid = process.pid): Promise<void> {
  for (let tries = 0; tries < 3; tries += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${pid}\n`);
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readLockPid(path);
      if (holder !== undefined && isProcessAlive(holder)) {
        throw new TunnelError('ALREADY_RUNNING', `${what} is already running (pid ${holder}); use another --name or 'tunnel down ${what}'`);
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new TunnelError('LOCKED', `could not lock ${path}; try again`);
}

/** Hands a lock to another process (the detached supervisor takes over from the CLI). */
export async function transferLock(path: string, pid: number): Promise<void> {
  await writeFile(path, `${pid}\n`, { mode: 0o600 });
}

export async function readLockPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export async function releaseLock(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
