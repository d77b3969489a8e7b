import type { BackgroundTunnel } from '../api/start.js';
import { formatTimeLeft } from '../api/present.js';
import type { JobRecord } from '../api/present.js';
import { styleFor } from './style.js';

/** The table `ls` and `status` print: one row per background tunnel. */
export function renderTable(tunnels: BackgroundTunnel[]): string {
  if (tunnels.length === 0) return 'no background tunnels (start one with: tunnel up ... -d --name NAME)\n';
  const style = styleFor();
  const rows = tunnels.map((t) => [
    t.name,
    colourState(t.state, style),
    t.forwards.map((f) => `${f.listen}${f.direction === 'L' ? '→' : '←'}${f.target}`).join(', '),
    t.uptimeSeconds === null ? '-' : formatDuration(t.uptimeSeconds),
    String(t.restarts),
    t.lastError?.message ?? '',
  ]);
  const header = ['NAME', 'STATE', 'FORWARDS', 'UPTIME', 'RESTARTS', 'LAST ERROR'];
  // Tunnels to scheduler jobs get a JOB column (id, state, node, walltime left); others keep the table as it was.
  if (tunnels.some((t) => t.job !== undefined)) {
    header.splice(3, 0, 'JOB');
    rows.forEach((row, i) => row.splice(3, 0, jobCell(tunnels[i]!.job)));
  }
  return [header, ...rows].map((row) => row.join('\t')).join('\n') + '\n';
}

/** `slurm 12 RUNNING on node7, 59:30 left`. */
export function jobCell(job: JobRecord | undefined): string {
  if (job === undefined) return '-';
  return `${job.scheduler} ${job.id} ${job.state}${job.node === null ? '' : ` on ${job.node}`}${job.timeLeft === null ? '' : `, ${formatTimeLeft(job.timeLeft)} left`}`;
}

function colourState(state: string, style: ReturnType<typeof styleFor>): string {
  if (state === 'up') return style.green(state);
  if (state === 'degraded' || state === 'reconnecting' || state === 'needs-auth') return style.yellow(state);
  return style.red(state);
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}
