import { isOurSupervisor } from './mark.js';
import { listTunnelNames, readRecord, type JobRecord, type TunnelRecord } from './record.js';

export type ListedState = TunnelRecord['state'] | 'dead';

export interface ListedTunnel extends Omit<TunnelRecord, 'state'> {
  /** 'dead' when the supervisor is gone but the record says it was running: never shown as up. */
  state: ListedState;
  uptimeSeconds: number | null;
}

/** Every background tunnel, with its state checked against whether its supervisor still lives; unreadable ones go to onUnreadable. */
export async function listTunnels(onUnreadable: (error: unknown) => void = () => undefined): Promise<ListedTunnel[]> {
  const listed: ListedTunnel[] = [];
  for (const name of await listTunnelNames()) {
    const record = await readRecord(name).catch((error: unknown) => void onUnreadable(error));
    if (record !== undefined) listed.push(truthful(record));
  }
  return listed;
}

export function truthful(record: TunnelRecord, now = Date.now()): ListedTunnel {
  // needs-auth is not final: its supervisor waits for `tunnel auth`, so a dead one shows as dead.
  const final = record.state === 'failed' || record.state === 'down';
  const supervisor = record.supervisor ?? { pid: record.supervisorPid };
  const state: ListedState = !final && !isOurSupervisor(supervisor) ? 'dead' : record.state;
  const live = state === 'up' || state === 'degraded';
  const uptimeSeconds = live && record.upSince !== undefined ? Math.round((now - Date.parse(record.upSince)) / 1000) : null;
  return { ...record, state, uptimeSeconds, ...(record.job === undefined ? {} : { job: jobNow(record.job, live, now) }) };
}

/** A running job's walltime keeps going between two looks: time left as of now, not as of the last poll. */
function jobNow(job: JobRecord, live: boolean, now: number): JobRecord {
  if (!live || job.timeLeft === null) return job;
  const since = Math.max(0, Math.floor((now - Date.parse(job.seenAt)) / 1000));
  return { ...job, timeLeft: Math.max(0, job.timeLeft - since) };
}
