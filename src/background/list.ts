import { readTunnelJobs } from '../scheduler/job-files.js';
import { isOurSupervisor } from './supervisor-identity.js';
import { listTunnelNames, readRecord, type JobRecord, type TunnelRecord } from './record.js';

export type ListedState = TunnelRecord['state'] | 'dead';

export interface ListedTunnel extends Omit<TunnelRecord, 'state'> {
  /** 'dead' when the supervisor is gone but the record says it was running: never shown as up. */
  state: ListedState;
  uptimeSeconds: number | null;
  /** Submitted for this tunnel and stopped by its `down` (worker arrays, a work_queue_factory); as recorded, without asking Slurm. */
  submitted?: SubmittedJob[];
}

export interface SubmittedJob {
  /** A Slurm job id, or the factory's pid on the login node. */
  id: string;
  kind: 'job' | 'factory';
  what: string;
  submittedAt: string;
}

/** Every background tunnel, with its state checked against whether its supervisor still lives; unreadable ones go to onUnreadable. */
export async function listTunnels(onUnreadable: (error: unknown) => void = () => undefined): Promise<ListedTunnel[]> {
  const listed: ListedTunnel[] = [];
  for (const name of await listTunnelNames()) {
    const record = await readRecord(name).catch((error: unknown) => void onUnreadable(error));
    if (record !== undefined) listed.push(await withSubmitted(truthful(record)));
  }
  return listed;
}

/** Adds what `down` would cancel for it (files in its directory; no ssh, so `ls` stays fast). */
export async function withSubmitted(listed: ListedTunnel): Promise<ListedTunnel> {
  const jobs = await readTunnelJobs(listed.name).catch(() => []);
  if (jobs.length === 0) return listed;
  return {
    ...listed,
    submitted: jobs.map((j) => ({ id: j.id, kind: j.kind ?? 'job', what: j.what, submittedAt: j.submittedAt })),
  };
}

export function truthful(record: TunnelRecord, now = Date.now()): ListedTunnel {
  // needs-auth is not final: its supervisor waits for `tunnel auth`, so a dead one shows as dead.
  const final = record.state === 'failed' || record.state === 'down';
  const supervisor = record.supervisor ?? { pid: record.supervisorPid };
  const state: ListedState = !final && !isOurSupervisor(supervisor) ? 'dead' : record.state;
  const live = state === 'up' || state === 'degraded';
  const uptimeSeconds =
    live && record.upSince !== undefined ? Math.round((now - Date.parse(record.upSince)) / 1000) : null;
  return {
    ...record,
    state,
    uptimeSeconds,
    ...(record.job === undefined ? {} : { job: jobNow(record.job, live, now) }),
  };
}

/** A running job's walltime keeps going between two looks: time left as of now, not as of the last poll. */
function jobNow(job: JobRecord, live: boolean, now: number): JobRecord {
  if (!live || job.timeLeft === null) return job;
  const since = Math.max(0, Math.floor((now - Date.parse(job.seenAt)) / 1000));
  return { ...job, timeLeft: Math.max(0, job.timeLeft - since) };
}
