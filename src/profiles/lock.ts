import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TunnelError } from '../errors.js';

export interface LockOptions {
  /** Give up waiting after this long (default 5 s). */
  timeoutMs?: number;
  /** A lock older than this is stale even if its pid lives (pid reuse, a stopped process). Default 30 s. */
  staleMs?: number;
}

/**
 * Runs `fn` while holding `path` (created with O_EXCL, holding "pid nonce"). A lock whose
 * process is gone, or that is older than staleMs, is broken. Read-modify-write sections are
 * milliseconds long, so waiting briefly is cheaper than failing.
 */
export async function withLock<T>(path: string, fn: () => T | Promise<T>, options: LockOptions = {}): Promise<T> {
  const token = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (let attempt = 0; !tryCreate(path, token); attempt++) {
    const holder = readHolder(path);
    if (holder !== undefined && isStale(holder, options.staleMs ?? 30_000)) {
      breakLock(path, holder.content);
      continue;
    }
    if (Date.now() > deadline) {
      const who = holder?.pid === undefined ? 'another process' : `pid ${holder.pid}`;
      throw new TunnelError('LOCKED', `${path} is held by ${who}; wait for it to finish, or delete the file if no tunnel command is running`);
    }
    await sleep(10 + Math.min(attempt, 10) * 5 + Math.random() * 10);
  }
  try {
    return await fn();
  } finally {
    release(path, token);
  }
}

function tryCreate(path: string, token: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, token);
  } finally {
    closeSync(fd);
  }
  return true;
}

interface Holder {
  content: string;
  pid: number | undefined;
  ageMs: number;
}

function readHolder(path: string): Holder | undefined {
  try {
    const content = readFileSync(path, 'utf8');
    const ageMs = Date.now() - statSync(path).mtimeMs;
    const pid = /^(\d+) /.exec(content)?.[1];
    return { content, pid: pid === undefined ? undefined : Number(pid), ageMs };
  } catch {
    return undefined; // released between our attempts: just retry
  }
}

/** Stale: the holder is dead, or the lock is too old. A half-written lock gets a short grace. */
function isStale(holder: Holder, staleMs: number): boolean {
  if (holder.ageMs > staleMs) return true;
  if (holder.pid === undefined) return holder.ageMs > 1000;
  return !isAlive(holder.pid);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves the stale lock aside atomically, so only one waiter breaks it. If what was moved
 * is not the lock we judged stale (someone took a fresh one meanwhile), it is put back.
 */
function breakLock(path: string, staleContent: string): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  try {
    if (readFileSync(aside, 'utf8') !== staleContent) linkSync(aside, path);
  } catch {
    // EEXIST: yet another lock appeared; the moved one's owner will notice on release.
  } finally {
    unlinkSync(aside);
  }
}

/** Removes the lock only if it is still ours (it may have been broken as stale meanwhile). */
function release(path: string, token: string): void {
  try {
    if (readFileSync(path, 'utf8') === token) unlinkSync(path);
  } catch {
    // already gone
  }
}
