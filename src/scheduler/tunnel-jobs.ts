import type { TunnelJob } from './job-files.js';
import type { RunSsh } from '../ssh/run.js';
import { slurmMessage } from './slurm/parse.js';

/** How cancelling one recorded job went: `error` is scancel's (or ssh's) own last line. */
export interface CancelledJob {
  id: string;
  what: string;
  /** factory: a work_queue_factory stopped on the login node (id is its pid there). */
  kind?: 'factory';
  cancelled: boolean;
  error?: string;
}

/** How `down` names a job tunnel's own job (`up --slurm`), beside the jobs submitted for it. */
export function ownJobWhat(node: string | null): string {
  return `the job of this tunnel, on ${node ?? 'its node'}`;
}

/**
 * `tunnel down NAME`: cancels the jobs submitted for the tunnel (its worker arrays), one ssh each,
 * bounded in time. A job that already ended is not an error (scancel says nothing for it).
 */
export async function cancelTunnelJobs(
  jobs: readonly TunnelJob[],
  run: RunSsh,
  timeoutMs = 30_000,
): Promise<CancelledJob[]> {
  const results: CancelledJob[] = [];
  for (const job of jobs) {
    const result = await run(job.cancel, { timeoutMs }).catch((error: unknown) => ({
      exitCode: null,
      stdout: '',
      stderr: String(error),
      timedOut: false,
    }));
    const which = { id: job.id, what: job.what, ...(job.kind === 'factory' ? { kind: 'factory' as const } : {}) };
    results.push(
      result.exitCode === 0
        ? { ...which, cancelled: true }
        : {
            ...which,
            cancelled: false,
            error: slurmMessage(
              result.stderr,
              result.timedOut ? 'timed out' : `exit ${result.exitCode ?? 'by signal'}`,
            ),
          },
    );
  }
  return results;
}
