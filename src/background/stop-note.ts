import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../os/atomic.js';
import { parseName } from '../model/name.js';
import type { CancelledJob } from '../scheduler/tunnel-jobs.js';
import { stateHome, tunnelsDir } from '../os/state-paths.js';

/**
 * What a supervisor stopped by `down` did with its job (cancelled, or scancel's reason why not).
 * It lives beside the tunnel's directory, which the supervisor removes on its way out, so that the
 * `down` waiting for it can say so; `down` and the next start of the name delete it.
 */
export function stopNotePath(name: string, home = stateHome()): string {
  return join(tunnelsDir(home), `.${parseName(name)}.stopped.json`);
}

export async function writeStopNote(name: string, jobs: CancelledJob[], home?: string): Promise<void> {
  await writeFileAtomic(stopNotePath(name, home), `${JSON.stringify({ jobs })}\n`);
}

/** Reads and removes the note; anything unreadable counts as no note. */
export async function takeStopNote(name: string, home?: string): Promise<CancelledJob[]> {
  const path = stopNotePath(name, home);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  await unlink(path).catch(() => undefined);
  if (text === undefined) return [];
  try {
    const jobs = (JSON.parse(text) as { jobs?: unknown }).jobs;
    return Array.isArray(jobs) ? jobs.filter(isCancelledJob) : [];
  } catch {
    return [];
  }
}

function isCancelledJob(value: unknown): value is CancelledJob {
  const job = value as Partial<CancelledJob> | null;
  return (
    typeof job === 'object' &&
    job !== null &&
    typeof job.id === 'string' &&
    typeof job.what === 'string' &&
    typeof job.cancelled === 'boolean' &&
    (job.error === undefined || typeof job.error === 'string')
  );
}
