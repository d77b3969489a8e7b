import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { isProcessAlive } from '../os/process-identity.js';

export interface Leftovers {
  /** PIDs (of those we saw) that are still alive. */
  alivePids: number[];
  /** Any process at all whose command line names the sandbox's ssh_config (e.g. a -J child we never saw). */
  processesUsingConfig: number[];
  dirExists: boolean;
}

/** What is left after teardown: nothing, if it worked. */
export async function findLeftovers(
  seenPids: Iterable<number>,
  sshConfigPath: string,
  dir: string,
): Promise<Leftovers> {
  return {
    alivePids: [...new Set(seenPids)].filter((pid) => isProcessAlive(pid)),
    processesUsingConfig: await pidsMentioning(sshConfigPath),
    dirExists: existsSync(dir),
  };
}

export function isClean(leftovers: Leftovers): boolean {
  return leftovers.alivePids.length === 0 && leftovers.processesUsingConfig.length === 0 && !leftovers.dirExists;
}

/** `ps -eo pid=,args=` works on Linux and macOS alike; our own pid (and ps's) never match the path. */
async function pidsMentioning(text: string): Promise<number[]> {
  const result = await execa('ps', ['-eo', 'pid=,args='], { reject: false, timeout: 5000, stdin: 'ignore' });
  if (result.exitCode !== 0) return [];
  return result.stdout
    .split('\n')
    .filter((line) => line.includes(text))
    .map((line) => Number.parseInt(line.trim(), 10))
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid && isProcessAlive(pid));
}
