import type { JobEvent } from './resolve-job.js';

/** 3725 -> "1:02:05"; null -> "no limit". */
export function formatTimeLeft(seconds: number | null): string {
  if (seconds === null) return 'no limit';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** One human line per job event (foreground stderr, background log). */
export function describeJobEvent(event: JobEvent): string {
  const secs = 'elapsedMs' in event ? ` (${Math.round(event.elapsedMs / 1000)} s)` : '';
  switch (event.event) {
    case 'submitted':
      return `submitted Slurm job ${event.id}`;
    case 'reused':
      return `reusing Slurm job ${event.id} (same --name, still queued or running)`;
    case 'waiting':
      return `job ${event.id}: ${event.state}${event.reason === '' ? '' : `, ${event.reason}`}${secs}`;
    case 'running':
      return `job ${event.id} runs on ${event.node}${secs}`;
    case 'cancelled':
      return `cancelled Slurm job ${event.id}`;
    case 'retrying':
      return `waiting for job ${event.id}: ${event.reason}; the job keeps its place, retrying in ${Math.round(event.delayMs / 1000)} s (attempt ${event.attempt})`;
    case 'walltime':
      return `warning: job ${event.id} has ${formatTimeLeft(event.timeLeft)} of walltime left; the tunnel ends with it`;
  }
}
