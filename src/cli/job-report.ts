import { createSpinner } from '../demo/spinner.js';
import type { JobEvent } from '../resolve/job.js';
import type { JobInfo } from '../resolve/scheduler.js';

/** 3725 -> "1:02:05"; null -> "no limit". */
export function formatTimeLeft(seconds: number | null): string {
  if (seconds === null) return 'no limit';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

export function jobJson(info: JobInfo, submitted: boolean, keep: boolean) {
  return { id: info.id, node: info.node ?? null, state: info.state, timeLeft: info.timeLeft, submitted, cancelOnExit: submitted && !keep };
}

export function jobLine(info: JobInfo, submitted: boolean, keep: boolean): string {
  const fate = !submitted ? 'attached: it keeps running after the tunnel' : keep ? '--keep-job: it keeps running after the tunnel' : 'Ctrl-C also cancels it';
  return `Slurm job ${info.id} on ${info.node ?? '?'}: ${info.state}, ${formatTimeLeft(info.timeLeft)} left; ${fate}`;
}

function describe(event: JobEvent): string {
  const secs = 'elapsedMs' in event ? ` (${Math.round(event.elapsedMs / 1000)} s)` : '';
  switch (event.event) {
    case 'submitted': return `submitted Slurm job ${event.id}`;
    case 'reused': return `reusing Slurm job ${event.id} (same --name, still queued or running)`;
    case 'waiting': return `job ${event.id}: ${event.state}${event.reason === '' ? '' : `, ${event.reason}`}${secs}`;
    case 'running': return `job ${event.id} runs on ${event.node}${secs}`;
    case 'cancelled': return `cancelled Slurm job ${event.id}`;
    case 'walltime': return `warning: job ${event.id} has ${formatTimeLeft(event.timeLeft)} of walltime left; the tunnel ends with it`;
  }
}

/**
 * Waiting shows why: a spinner on a terminal; elsewhere one line per change of state or
 * reason; with --json one JSON event per line on stderr (stdout keeps its one object).
 */
export function jobReporter(json: boolean) {
  const spinner = createSpinner(process.stderr, !json && process.stderr.isTTY === true);
  let last = '';
  const line = (text: string) => process.stderr.write(`${text}\n`);
  return {
    event(event: JobEvent) {
      if (json) return void line(JSON.stringify({ ...event, at: new Date().toISOString() }));
      if (event.event === 'waiting') {
        const key = `${event.state}|${event.reason}`;
        if (process.stderr.isTTY) spinner.start(describe(event));
        else if (key !== last) line(describe(event));
        last = key;
        return;
      }
      spinner.stop();
      line(describe(event));
    },
    done: () => spinner.stop(),
  };
}
