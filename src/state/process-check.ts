import { readdirSync, readFileSync, statSync } from 'node:fs';

/** True when a process with this pid exists (and is not a zombie). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** The argv of a live process (Linux /proc), or undefined; used to never kill a recycled pid. */
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
  const uid = process.getuid?.();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names.filter((name) => /^\d+$/.test(name) && Number(name) !== pgid).map(Number).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const [state, , pgrp] = stat.slice(close + 2).split(' ');
      return stat.slice(stat.indexOf('(') + 1, close) === 'ssh' && state !== 'Z' && Number(pgrp) === pgid && (uid === undefined || statSync(`/proc/${pid}`).uid === uid);
    } catch {
      return false;
    }
  });
}
