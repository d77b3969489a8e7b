import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TunnelError } from '../errors.js';
import type { ForwardStatus, TunnelState } from '../supervise/status.js';
import { writeFileAtomic } from './atomic.js';
import { ensurePrivateDir, tunnelDir, tunnelsDir } from './paths.js';

/** What a supervisor publishes about its tunnel; `ls`, `status` and `down` read only this. */
export interface TunnelRecord {
  name: string;
  supervisorPid: number;
  state: TunnelState;
  strategy: 'jump' | 'relay';
  route: string[];
  forwards: ForwardStatus[];
  /** ssh processes running now; `down` kills them even when the supervisor was SIGKILLed. */
  sshPids: number[];
  /** Files to remove locally, and ssh commands that remove remote sockets, on teardown. */
  localSockets: string[];
  remoteCleanup: string[][];
  /** Commands that release forwards held in a shared ControlMaster (whose pid is not ours to kill). */
  releaseCommands?: string[][];
  commands: string[][];
  startedAt: string;
  upSince: string | undefined;
  updatedAt: string;
  restarts: number;
  lastError: { code: string; message: string } | undefined;
}

export const RECORD_FILE = 'record.json';

export async function writeRecord(record: TunnelRecord, home?: string): Promise<void> {
  const dir = tunnelDir(record.name, home);
  await ensurePrivateDir(dir);
  await writeFileAtomic(join(dir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** The record of a tunnel, or undefined if there is none; a corrupt one is an error naming the file. */
export async function readRecord(name: string, home?: string): Promise<TunnelRecord | undefined> {
  const path = join(tunnelDir(name, home), RECORD_FILE);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const record = JSON.parse(text) as TunnelRecord;
    if (typeof record.supervisorPid !== 'number' || !Array.isArray(record.sshPids)) throw new Error('missing fields');
    return record;
  } catch (error) {
    throw new TunnelError('STATE_CORRUPT', `${path} is corrupt (${(error as Error).message}); run 'tunnel down ${name}' to clear it`);
  }
}

/** Names of every tunnel with a state directory. */
export async function listTunnelNames(home?: string): Promise<string[]> {
  const entries = await readdir(tunnelsDir(home), { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

export async function removeTunnelDir(name: string, home?: string): Promise<void> {
  await rm(tunnelDir(name, home), { recursive: true, force: true });
}
