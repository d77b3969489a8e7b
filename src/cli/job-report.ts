import {
  createSpinner,
  describeJobEvent as describe,
  formatTimeLeft,
  type JobEvent,
  type JobInfo,
} from '../api/present.js';

export { formatTimeLeft };

export function jobJson(info: JobInfo, submitted: boolean, keep: boolean) {
  return {
    id: info.id,
    node: info.node ?? null,
    state: info.state,
    timeLeft: info.timeLeft,
    submitted,
    cancelOnExit: submitted && !keep,
  };
}

export function jobLine(info: JobInfo, submitted: boolean, keep: boolean): string {
  const fate = !submitted
    ? 'attached: it keeps running after the tunnel'
    : keep
      ? '--keep-job: it keeps running after the tunnel'
      : 'Ctrl-C also cancels it';
  return `Slurm job ${info.id} on ${info.node ?? '?'}: ${info.state}, ${formatTimeLeft(info.timeLeft)} left; ${fate}`;
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
      // A passing failure while queued is part of the wait: the spinner says it, the job keeps its place.
      if (event.event === 'waiting' || event.event === 'retrying') {
        const key = event.event === 'waiting' ? `${event.state}|${event.reason}` : `retry|${event.attempt}`;
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
