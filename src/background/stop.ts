import { stat } from 'node:fs/promises';
import { TunnelError } from '../errors.js';
import type { RunSsh } from '../ssh/run.js';
import { sshRunner } from '../ssh/runner.js';
import { lockPath, requestPath } from './request.js';
import { readLockHolder } from '../os/lock.js';
import {
  descendantsOf,
  isProcessAlive,
  isSameProcess,
  processArgv,
  sshInProcessGroup,
  type ProcessIdentity,
} from '../os/process-identity.js';
import { listTunnelNames, readRecord, removeTunnelDir, type TunnelRecord } from './record.js';
import { tunnelDir } from '../os/state-paths.js';
import { leaveMaster } from '../supervise/mux-attempt.js';
import { teardown } from '../supervise/teardown.js';
import { stopPresetApp, type PresetState } from '../presets/index.js';
import { isOurSupervisor } from './supervisor-identity.js';
import { readTunnelJobs } from '../scheduler/job-files.js';
import { cancelTunnelJobs, ownJobWhat, type CancelledJob } from '../scheduler/tunnel-jobs.js';
import { takeStopNote } from './stop-note.js';

export interface StopResult {
  name: string;
  /** How it went: the supervisor tore down itself, or `down` had to clean after a dead one. */
  how: 'supervisor' | 'cleaned-after-dead-supervisor';
  /** The tunnel's own job (`up --slurm`) and the jobs submitted for it (worker arrays), and whether scancel took each. */
  jobs: CancelledJob[];
}

const SUPERVISOR_GRACE_MS = 15_000;
/** How long a supervisor may take from its start to taking the lock over (a Node start on a busy machine). */
const TAKEOVER_WAIT_MS = 5_000;

export interface StopOptions {
  /** Runner for the cleanup ssh (the preset app's stop, the remote socket removal); default the real one. */
  run?: RunSsh;
}

/** Stops a background tunnel and removes everything it left, even if its supervisor was SIGKILLed. */
export async function stopTunnel(name: string, options: StopOptions = {}): Promise<StopResult> {
  const { run } = sshRunner({ run: options.run });
  const { record, corrupt } = await readRecordForStop(name);
  // Read before the supervisor goes: it removes its directory (and the job files in it) on the way out.
  const submitted = await readTunnelJobs(name);
  let supervisor =
    record?.supervisor ?? (record === undefined ? await readLockHolder(lockPath(name)) : { pid: record.supervisorPid });
  // An `up -d` stopped (or killed) right after it started its supervisor: the lock names the CLI until
  // the supervisor, already running, takes it over. Wait for that rather than leave it running.
  if (
    record === undefined &&
    supervisor !== undefined &&
    !isOurSupervisor(supervisor) &&
    (await exists(requestPath(name)))
  ) {
    supervisor = (await waitForTakeover(name, TAKEOVER_WAIT_MS)) ?? supervisor;
  }
  if (record === undefined && supervisor === undefined && !corrupt && submitted.length === 0) {
    // An `up -d` killed between creating the directory and taking the lock leaves only the directory.
    if (!(await exists(tunnelDir(name))))
      throw new TunnelError('NOT_FOUND', `no running tunnel named '${name}'; see 'tunnel ls'`);
    await removeTunnelDir(name);
    return { name, how: 'cleaned-after-dead-supervisor', jobs: [] };
  }
  if (supervisor !== undefined && isOurSupervisor(supervisor)) {
    process.kill(supervisor.pid, 'SIGTERM');
    if (await waitForExit(supervisor.pid, SUPERVISOR_GRACE_MS)) {
      await killStrays(supervisor); // none, unless it died another way
      // The tunnel's own job, which the supervisor cancelled on its way out, then the ones submitted for it.
      const jobs = [...(await takeStopNote(name)), ...(await cancelTunnelJobs(submitted, run))];
      await removeTunnelDir(name);
      return { name, how: 'supervisor', jobs };
    }
    process.kill(supervisor.pid, 'SIGKILL');
    await waitForExit(supervisor.pid, 2000);
    await takeStopNote(name); // half a report at most: the job is cancelled from the record below
  }
  const own = await cleanAfterDeadSupervisor(record, supervisor, run);
  const jobs = [...own, ...(await cancelTunnelJobs(submitted, run))];
  await removeTunnelDir(name);
  return { name, how: 'cleaned-after-dead-supervisor', jobs };
}

export async function stopAll(options: StopOptions = {}): Promise<StopResult[]> {
  const results: StopResult[] = [];
  for (const name of await listTunnelNames()) results.push(await stopTunnel(name, options));
  return results;
}

/** A corrupt record is still cleared (status tells people to run down for it); its commands are never run. */
async function readRecordForStop(name: string): Promise<{ record: TunnelRecord | undefined; corrupt: boolean }> {
  try {
    return { record: await readRecord(name), corrupt: false };
  } catch (error) {
    if (error instanceof TunnelError && error.code === 'STATE_CORRUPT') return { record: undefined, corrupt: true };
    throw error;
  }
}

/**
 * What teardown would have done: ssh stopped, sockets removed, the preset's app stopped, the shared
 * master released, the tunnel's job cancelled. Returns how that cancel went (none: nothing to cancel).
 */
async function cleanAfterDeadSupervisor(
  record: TunnelRecord | undefined,
  supervisor: ProcessIdentity | undefined,
  run: RunSsh,
): Promise<CancelledJob[]> {
  // Only ssh named by identity: a bare pid (a record of an earlier version, or an edited one) may be anyone's now.
  for (const ssh of record?.sshProcesses ?? []) if (ssh.start !== undefined) await killSsh(ssh);
  if (supervisor !== undefined) await killStrays(supervisor);
  if (record === undefined) return [];
  if (record.preset !== undefined)
    await stopPresetApp(record.preset.state as PresetState, { runRemote: run }).catch(() => undefined);
  if (record.muxLease !== undefined) await leaveMaster(record.muxLease, run);
  // The job this tool submitted for the tunnel goes with it (the record holds null when it must not).
  const job = record.job;
  const cancelled = job?.cancel
    ? await cancelTunnelJobs(
        [{ id: job.id, scheduler: 'slurm', what: ownJobWhat(job.node), cancel: job.cancel, submittedAt: '' }],
        run,
      )
    : [];
  await teardown(
    { localSockets: record.localSockets, remoteCleanup: record.remoteCleanup.map((argv) => ({ argv })) },
    { remoteOnly: false, run },
  );
  return cancelled;
}

/**
 * ssh left in a dead supervisor's process group (started just before a SIGKILL, in no record yet).
 * Linux never hands out a pid still used as a process group id, so while the supervisor's pid is
 * free, its group holds only its own processes; once the pid lives again, the group is someone else's.
 */
async function killStrays(supervisor: ProcessIdentity): Promise<void> {
  if (isProcessAlive(supervisor.pid)) return;
  for (const pid of sshInProcessGroup(supervisor.pid)) {
    const tree = descendantsOf(pid); // its ProxyJump child, if it died mid-handshake
    await killSsh({ pid });
    for (const child of tree) await killSsh({ pid: child });
  }
}

/** Signals only the process the identity names, and only if it is an ssh. */
async function killSsh(identity: ProcessIdentity): Promise<void> {
  const argv = processArgv(identity.pid);
  if (!isSameProcess(identity) || (argv !== undefined && !/(^|\/)ssh$/.test(argv[0] ?? ''))) return;
  process.kill(identity.pid, 'SIGTERM');
  if (!(await waitForExit(identity.pid, 3000))) process.kill(identity.pid, 'SIGKILL');
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isProcessAlive(pid);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The supervisor that took the name's lock over within `timeoutMs`, if one did. */
async function waitForTakeover(name: string, timeoutMs: number): Promise<ProcessIdentity | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const holder = await readLockHolder(lockPath(name));
    if (holder !== undefined && isOurSupervisor(holder)) return holder;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}
