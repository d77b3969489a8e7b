import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../os/atomic.js';
import { ensurePrivateDir } from '../os/private-dir.js';
import { tunnelDir } from '../os/state-paths.js';

/**
 * Scheduler jobs tied to a background tunnel (a worker array submitted for its manager): `down`
 * cancels them. One file per job in the tunnel's directory, so two submits never race on a list.
 */
export interface TunnelJob {
  /** The job id as the scheduler printed it (a job array's id). */
  id: string;
  scheduler: 'slurm';
  /** job: a Slurm job (array) that `cancel` scancels; factory: a work_queue_factory on the login node (id is its pid) that `cancel` stops, and it scancels its workers. */
  kind?: 'job' | 'factory';
  /** For messages: "Work Queue workers (2)". */
  what: string;
  /** The ssh that cancels it through the login node. */
  cancel: string[];
  submittedAt: string;
}

const JOBS_DIR = 'jobs';
const ID = /^\d{1,12}$/;

/** Records a submitted job under tunnel `name` (0600 in a 0700 directory). */
export async function addTunnelJob(name: string, job: TunnelJob, home?: string): Promise<void> {
  if (!ID.test(job.id)) throw new Error(`addTunnelJob: not a job id: ${job.id}`);
  const dir = join(tunnelDir(name, home), JOBS_DIR);
  await ensurePrivateDir(dir);
  await writeFileAtomic(
    join(dir, `${job.kind === 'factory' ? 'factory-' : ''}${job.id}.json`),
    `${JSON.stringify(job)}\n`,
  );
}

/** The jobs recorded under tunnel `name`; a file that is not one (or whose cancel is not an ssh) is skipped. */
export async function readTunnelJobs(name: string, home?: string): Promise<TunnelJob[]> {
  const dir = join(tunnelDir(name, home), JOBS_DIR);
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.json')).sort();
  const jobs: TunnelJob[] = [];
  for (const file of files) {
    const job = parseJob(await readFile(join(dir, file), 'utf8').catch(() => ''));
    if (job !== undefined) jobs.push(job);
  }
  return jobs;
}

/** A job file's contents, or undefined; `down` runs `cancel`, so it must be an ssh argv of strings. Pure. */
export function parseJob(text: string): TunnelJob | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const job = value as Partial<TunnelJob> | null;
  if (typeof job !== 'object' || job === null || typeof job.id !== 'string' || !ID.test(job.id)) return undefined;
  const cancel = job.cancel;
  if (!Array.isArray(cancel) || cancel[0] !== 'ssh' || !cancel.every((w) => typeof w === 'string')) return undefined;
  return {
    id: job.id,
    scheduler: 'slurm',
    ...(job.kind === 'factory' ? { kind: 'factory' as const } : {}),
    what: typeof job.what === 'string' ? job.what : 'job',
    cancel,
    submittedAt: String(job.submittedAt ?? ''),
  };
}
