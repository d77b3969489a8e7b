import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';

/**
 * A process named by more than its pid: pids are recycled (pid_max is often 32768) and
 * records outlive reboots, so a pid alone never proves a process is the one we started.
 */
export interface ProcessIdentity {
  pid: number;
  /** Start time: /proc/PID/stat field 22 (clock ticks since boot), or `ps -o lstart` elsewhere. */
  start?: string | undefined;
  /** /proc/sys/kernel/random/boot_id: the same start time after a reboot is another process. */
  boot?: string | undefined;
}

/** True when a process with this pid exists (and is not a zombie). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = readStat(pid);
  return stat === undefined || stat.state !== 'Z';
}

/** Who this pid is now, or undefined when no such process lives. */
export function identifyProcess(pid: number = process.pid): ProcessIdentity | undefined {
  if (!isProcessAlive(pid)) return undefined;
  const stat = readStat(pid);
  if (stat !== undefined) return { pid, start: stat.start, boot: bootId() };
  return { pid, start: psStartTime(pid), boot: undefined };
}

/** True only while the very process the identity names still runs (same pid, start time and boot). */
export function isSameProcess(identity: ProcessIdentity): boolean {
  const now = identifyProcess(identity.pid);
  if (now === undefined) return false;
  if (identity.boot !== undefined && now.boot !== undefined && identity.boot !== now.boot) return false;
  // A record without a start time (an older version wrote it) cannot be checked: trust it no further than its pid.
  return identity.start === undefined || identity.start === now.start;
}

/** `pid start boot`, the form lock files hold. */
export function formatIdentity(identity: ProcessIdentity): string {
  return [identity.pid, identity.start ?? '-', identity.boot ?? '-'].join(' ');
}

export function parseIdentity(text: string): ProcessIdentity | undefined {
  const [pid, start, boot] = text.trim().split(/\s+/);
  if (pid === undefined || !/^[1-9]\d*$/.test(pid)) return undefined;
  const known = (value: string | undefined) => (value === undefined || value === '-' ? undefined : value);
  return { pid: Number(pid), start: known(start), boot: known(boot) };
}

/** The argv of a live process (Linux /proc), or undefined. */
export function processArgv(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/**
 * Our ssh processes still in a process group whose leader (a detached supervisor) is gone:
 * one started just before the supervisor was SIGKILLed may be in no record. Linux /proc only;
 * a group leader itself is never one of them (our ssh never lead a group).
 */
export function sshInProcessGroup(pgid: number): number[] {
  const isSsh = (pid: number) => readStat(pid)?.comm === 'ssh';
  const uid = process.getuid?.();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names
    .filter((name) => /^\d+$/.test(name) && Number(name) !== pgid)
    .map(Number)
    .filter((pid) => {
      const stat = readStat(pid);
      if (stat === undefined || stat.comm !== 'ssh' || stat.state === 'Z' || stat.pgrp !== pgid) return false;
      // A ProxyJump child belongs to its ssh (maybe a shared master in another session): never a stray.
      if (isSsh(stat.ppid)) return false;
      try {
        return uid === undefined || statSync(`/proc/${pid}`).uid === uid;
      } catch {
        return false;
      }
    });
}

/**
 * Children, grandchildren... of a process (Linux /proc). An ssh killed during its handshake
 * does not reap its ProxyJump `ssh -W` child, which would keep forwarding and hold its pipes.
 */
export function descendantsOf(pid: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const parents = new Map<number, number>();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat !== undefined) parents.set(Number(name), stat.ppid);
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/**
 * ProxyJump children (`ssh ... -W host:port ...`) of an ssh that died before reaping them: in our
 * process group, no longer the child of an ssh, started no earlier than that ssh (`since`, /proc ticks).
 */
export function orphanedJumpChildren(since: string | undefined): number[] {
  const own = readStat(process.pid);
  if (own === undefined || since === undefined) return [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      const stat = readStat(pid);
      if (stat === undefined || stat.comm !== 'ssh' || stat.state === 'Z' || stat.pgrp !== own.pgrp) return false;
      if (Number(stat.start) < Number(since) || readStat(stat.ppid)?.comm === 'ssh') return false;
      return processArgv(pid)?.includes('-W') ?? false;
    });
}

interface Stat {
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  start: string;
}

/** Parses /proc/PID/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  const [state, ppid, pgrp] = fields;
  const start = fields[19];
  if (state === undefined || ppid === undefined || pgrp === undefined || start === undefined) return undefined;
  return { comm: text.slice(text.indexOf('(') + 1, close), state, ppid: Number(ppid), pgrp: Number(pgrp), start };
}

let cachedBootId: string | undefined;
function bootId(): string | undefined {
  if (cachedBootId !== undefined) return cachedBootId;
  try {
    cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    cachedBootId = undefined;
  }
  return cachedBootId;
}

/** Systems without /proc (macOS): ps's start time, to the second. */
function psStartTime(pid: number): string | undefined {
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      timeout: 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.trim().replace(/\s+/g, '_') || undefined;
  } catch {
    return undefined;
  }
}
