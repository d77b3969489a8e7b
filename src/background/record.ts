import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TunnelError } from '../errors.js';
import type { MuxLease } from '../plan/mux.js';
import type { ForwardStatus, TunnelState } from '../supervise/status.js';
import type { ProcessIdentity } from '../os/process-identity.js';
import { writeFileAtomic } from '../os/atomic.js';
import { ensurePrivateDir } from '../os/private-dir.js';
import { tunnelDir, tunnelsDir } from '../os/state-paths.js';

/** What a supervisor publishes about its tunnel; `ls`, `status` and `down` read only this. */
export interface TunnelRecord {
  name: string;
  supervisorPid: number;
  /** The supervisor by identity: a recycled pid is never mistaken for it. */
  supervisor?: ProcessIdentity;
  state: TunnelState;
  strategy: 'jump' | 'relay';
  route: string[];
  forwards: ForwardStatus[];
  /** ssh processes running now; `down` kills them even when the supervisor was SIGKILLed. */
  sshPids: number[];
  /** Every ssh the supervisor runs now, by identity; `down` signals only these very processes. */
  sshProcesses?: ProcessIdentity[];
  /** Files to remove locally, and ssh commands that remove remote sockets, on teardown. */
  localSockets: string[];
  remoteCleanup: string[][];
  /** Forwards held in a shared ControlMaster (whose pid is not ours to kill), and how to give them back. */
  muxLease?: MuxLease;
  commands: string[][];
  startedAt: string;
  upSince: string | undefined;
  updatedAt: string;
  restarts: number;
  lastError: { code: string; message: string } | undefined;
  /** For a tunnel to a scheduler job: the job as last seen, and how `down` cancels it. */
  job?: JobRecord;
  /** For a preset: how to stop its app later, and its report with secrets redacted. */
  preset?: { name: string; state: unknown; report: { lines: string[]; json: Record<string, unknown> } };
}

/** A scheduler job behind a background tunnel, as `ls`/`status` show it. */
export interface JobRecord {
  scheduler: string;
  id: string;
  node: string | null;
  state: string;
  reason: string;
  /** Seconds of walltime left when last seen; null when unlimited or unknown. */
  timeLeft: number | null;
  seenAt: string;
  /** This tool submitted it; an attached job is never cancelled. */
  submitted: boolean;
  keepJob: boolean;
  /** The ssh that cancels it, run by `down` even after the supervisor died; null when it must not be cancelled. */
  cancel: string[] | null;
}

export const RECORD_FILE = 'record.json';

/**
 * `existing`: write only into a directory that is still there. A supervisor's directory that is gone
 * was removed by `down`; recreating it would leave a record of a tunnel that no longer exists.
 */
export async function writeRecord(
  record: TunnelRecord,
  home?: string,
  options: { existing?: boolean } = {},
): Promise<void> {
  const dir = tunnelDir(record.name, home);
  if (options.existing !== true) await ensurePrivateDir(dir);
  await writeFileAtomic(join(dir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** The record of a tunnel, or undefined if there is none; a corrupt one is an error naming the file. */
export async function readRecord(name: string, home?: string): Promise<TunnelRecord | undefined> {
  const path = join(tunnelDir(name, home), RECORD_FILE);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    record = undefined; // JSON.parse quotes the garbage (newlines included) in its message: keep it out of ours
  }
  const problem = record === undefined ? 'not valid JSON' : recordProblem(record);
  if (problem !== undefined) {
    throw new TunnelError('STATE_CORRUPT', `${path} is corrupt (${problem}); run 'tunnel down ${name}' to clear it`);
  }
  return record as TunnelRecord;
}

/** What makes a record unusable: readers index into these fields, and `down` runs its cleanup commands. */
function recordProblem(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not a JSON object';
  const fields = record as Record<string, unknown>;
  if (typeof fields.supervisorPid !== 'number') return "no numeric 'supervisorPid'";
  for (const key of ['sshPids', 'forwards', 'localSockets', 'commands', 'route']) {
    if (!Array.isArray(fields[key])) return `'${key}' is not a list`;
  }
  const isSsh = (c: unknown) => Array.isArray(c) && c[0] === 'ssh' && c.every((word) => typeof word === 'string');
  const commands = fields.remoteCleanup ?? [];
  if (!Array.isArray(commands) || !commands.every(isSsh))
    return "'remoteCleanup' holds something other than ssh commands";
  const lease = fields.muxLease as Partial<MuxLease> | undefined;
  if (
    lease !== undefined &&
    !(
      isSsh(lease.master) &&
      isSsh(lease.check) &&
      isSsh(lease.cancel) &&
      isSsh(lease.exit) &&
      typeof lease.usersDir === 'string' &&
      typeof lease.user === 'string' &&
      !lease.user.includes('/')
    )
  ) {
    return "'muxLease' is not a valid lease";
  }
  const job = fields.job as Partial<JobRecord> | undefined;
  if (job !== undefined && !(typeof job.id === 'string' && (job.cancel === null || isSsh(job.cancel))))
    return "'job' is not a valid job";
  return undefined;
}

/** Names of every tunnel with a state directory. */
export async function listTunnelNames(home?: string): Promise<string[]> {
  const entries = await readdir(tunnelsDir(home), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export async function removeTunnelDir(name: string, home?: string): Promise<void> {
  await rm(tunnelDir(name, home), { recursive: true, force: true });
}
