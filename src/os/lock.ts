import { randomBytes } from 'node:crypto';
import { link, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TunnelError } from '../errors.js';
import { identifyProcess, isProcessAlive, isSameProcess, type ProcessIdentity } from './process-identity.js';

/**
 * The one lock primitive (background tunnels, shared masters, profiles, ssh_config). A lock
 * file names its holder by identity (pid, start time, boot), so a recycled pid never holds it.
 * It is created with link(2) from a complete private file: a writer killed at any instant
 * never leaves an empty lock. Breaking a stale lock happens under a second, short-lived lock,
 * so two waiters can never both take it over.
 */
export interface AcquireOptions {
  /** Names the thing for ALREADY_RUNNING ("tunnel nb is already running"); without it a held lock is LOCKED. */
  what?: string;
  /** Wait this long for a live holder before giving up (default 0: fail at once). */
  waitMs?: number;
  /** A lock older than this is stale even if its holder lives (short sections only). */
  staleMs?: number;
  /** Who holds it (default: this process). */
  owner?: ProcessIdentity;
}

const TAKEOVER_STALE_MS = 2000;

export async function acquireLock(path: string, options: AcquireOptions = {}): Promise<void> {
  const owner = options.owner ?? identifyProcess() ?? { pid: process.pid };
  const deadline = Date.now() + (options.waitMs ?? 0);
  await removeDeadWritersFiles(path);
  for (let attempt = 0; ; attempt += 1) {
    if (await tryCreate(path, formatLock(owner))) return;
    const holder = await readHolder(path);
    if (holder !== undefined && isStale(holder, options.staleMs)) {
      await takeOver(path, holder.content);
      continue;
    }
    if (Date.now() >= deadline) throw heldError(path, holder, options.what);
    await sleep(10 + Math.min(attempt, 10) * 5 + Math.random() * 10);
  }
}

/** Runs `fn` holding the lock; always releases it. */
export async function withLock<T>(
  path: string,
  fn: () => T | Promise<T>,
  options: { timeoutMs?: number; staleMs?: number } = {},
): Promise<T> {
  const owner = identifyProcess() ?? { pid: process.pid };
  await acquireLock(path, { waitMs: options.timeoutMs ?? 5000, staleMs: options.staleMs ?? 30_000, owner });
  try {
    return await fn();
  } finally {
    await releaseLock(path, owner);
  }
}

/** Hands a held lock to another process (the detached supervisor takes over from the CLI). */
export async function transferLock(path: string, owner: ProcessIdentity): Promise<void> {
  await writeFile(path, formatLock(owner), { mode: 0o600 });
}

/** Who holds the lock, or undefined if nobody does (or the file says nothing usable). */
export async function readLockHolder(path: string): Promise<ProcessIdentity | undefined> {
  const holder = await readHolder(path);
  return holder?.owner;
}

/** Removes the lock; with `owner`, only while that owner still holds it (it may have been broken meanwhile). */
export async function releaseLock(path: string, owner?: ProcessIdentity): Promise<void> {
  if (owner !== undefined) {
    const holder = await readHolder(path);
    if (holder?.content !== formatLock(owner)) return;
  }
  await unlink(path).catch(() => undefined);
}

export function formatLock(owner: ProcessIdentity): string {
  return `pid=${owner.pid} start=${owner.start ?? '-'} boot=${owner.boot ?? '-'}\n`;
}

/** Reads both this form and the bare "PID" (or "PID nonce") that earlier versions wrote. */
export function parseLock(content: string): ProcessIdentity | undefined {
  const fields = Object.fromEntries(
    content
      .trim()
      .split(/\s+/)
      // At most two parts: a bare word is [word] (its value undefined).
      .map((word) => word.split('=', 2) as [string, string | undefined]),
  );
  const known = (value: unknown) => (typeof value === 'string' && value !== '-' ? value : undefined);
  const pid = known(fields.pid) ?? /^(\d+)(\s|$)/.exec(content)?.[1];
  if (pid === undefined || !/^[1-9]\d*$/.test(pid)) return undefined;
  return { pid: Number(pid), start: known(fields.start), boot: known(fields.boot) };
}

interface Holder {
  content: string;
  owner: ProcessIdentity | undefined;
  ageMs: number;
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const [content, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { content, owner: parseLock(content), ageMs: Date.now() - info.mtimeMs };
  } catch {
    return undefined; // released between our attempts: just retry
  }
}

/** The holder is gone (or is another process under a recycled pid); a file naming nobody is foreign or damaged. */
function isStale(holder: Holder, staleMs: number | undefined): boolean {
  if (staleMs !== undefined && holder.ageMs > staleMs) return true;
  if (holder.owner === undefined) return holder.ageMs > 1000;
  return !isSameProcess(holder.owner);
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  const mine = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(mine, content, { mode: 0o600, flag: 'wx' });
  try {
    await link(mine, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}

/**
 * Removes the stale lock only while holding `<lock>.takeover` and only if it still holds what
 * was judged stale; the caller then races for the lock like anyone else.
 */
async function takeOver(path: string, staleContent: string): Promise<void> {
  const mutex = `${path}.takeover`;
  const me = identifyProcess() ?? { pid: process.pid };
  if (!(await tryCreate(mutex, formatLock(me)))) {
    const holder = await readHolder(mutex);
    // A takeover lasts milliseconds: an old mutex belongs to a process killed mid-takeover.
    if (holder !== undefined && holder.ageMs > TAKEOVER_STALE_MS) await unlink(mutex).catch(() => undefined);
    await sleep(5);
    return;
  }
  try {
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current === staleContent) await unlink(path).catch(() => undefined);
  } finally {
    await releaseLock(mutex, me);
  }
}

/** The one wording of "that name is taken": by the lock itself, or checked before starting work for it. */
export function alreadyRunning(what: string, who: string): TunnelError {
  return new TunnelError(
    'ALREADY_RUNNING',
    `${what} is already running (${who}); use another --name or 'tunnel down ${what}'`,
  );
}

function heldError(path: string, holder: Holder | undefined, what: string | undefined): TunnelError {
  const who = holder?.owner === undefined ? 'another process' : `pid ${holder.owner.pid}`;
  if (what !== undefined) return alreadyRunning(what, who);
  return new TunnelError(
    'LOCKED',
    `${path} is held by ${who}; wait for it to finish, or delete the file if no tunnel command is running`,
  );
}

/** Private files that killed writers left next to the lock (`<lock>.<pid>-<hex>`). */
async function removeDeadWritersFiles(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  const dead = names.filter((name) => {
    const pid = /^(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
    return name.startsWith(prefix) && pid !== null && !isProcessAlive(Number(pid[1]));
  });
  await Promise.all(dead.map((name) => unlink(join(dirname(path), name)).catch(() => undefined)));
}
