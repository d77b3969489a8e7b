import { prepareJob, startJob, upJob, type PreparedJob } from '../api/job.js';
import type { StartedTunnel } from '../api/start.js';
import type { JobTunnelOptions } from '../api/job.js';
import type { JobSession } from '../scheduler/job-session.js';
import type { Tunnel } from '../supervise/tunnel.js';
import { exitCodeForSignal } from './exit-codes.js';
import { runForeground } from './foreground.js';
import { formatTimeLeft, jobJson, jobLine, jobReporter } from './job-report.js';
import { backgroundLines, degradedLine, describeTunnel, tunnelJson } from './render.js';
import { runOptionsFromFlags, upOptionsOf, type RunFlags, type RunOptions } from './run-flags.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** `tunnel up [jupyter] --via login --slurm "..." [--run CMD -L ...]` and `--job ID`, foreground or -d. */
export async function runJobUp(options: JobTunnelOptions, flags: RunFlags): Promise<number> {
  const run = runOptionsFromFlags(flags);
  const prepared = await prepareJob(options);
  const json = flags.json === true;
  if (flags.dryRun) {
    process.stdout.write(json ? `${JSON.stringify(prepared.dryRunJson())}\n` : `${(await prepared.dryRun()).join('\n')}\n`);
    return 0;
  }
  return flags.detach ? runDetachedJob(prepared, run, json) : runForegroundJob(prepared, run, json);
}

async function runForegroundJob(prepared: PreparedJob, run: RunOptions, json: boolean): Promise<number> {
  const report = jobReporter(json);
  const { keepJob } = prepared.plan;
  let session: JobSession | undefined;
  const announce = (s: JobSession, tunnel: Tunnel, heading?: string) => {
    const started = s.preset();
    const job = s.job();
    if (json) {
      process.stdout.write(`${JSON.stringify({ ...tunnelJson(tunnel), ...(started?.report.json ?? {}), job: jobJson(s.info(), job.submitted, keepJob) })}\n`);
      return;
    }
    const lines = [...(heading === undefined ? [] : [heading]), describeTunnel(tunnel.plan, tunnel.forwards()), ...(started?.report.lines ?? []), jobLine(s.info(), job.submitted, keepJob), 'Press Ctrl-C to stop.'];
    process.stdout.write(`${lines.join('\n')}\n`);
  };
  return runForeground({
    json,
    start: async (signal) => {
      session = await upJob(prepared, {
        ...upOptionsOf(run, signal),
        onEvent: report.event,
        onLine: (line) => void (json || process.stderr.write(`${line}\n`)),
        onMoved: (moved) => announce(moved, moved.tunnel(), `job ${moved.job().id} was requeued and runs again on ${moved.job().node}:`),
      }).finally(() => report.done());
      return session.tunnel();
    },
    announce: (tunnel) => announce(session!, tunnel),
    ended: () => session?.ended,
    // The session as a whole: the job is cancelled before its tunnel closes (see JobSession.down).
    stop: async () => {
      await session?.down().catch((error: Error) => void process.stderr.write(`tunnel: ${error.message}\n`));
    },
  });
}

/** -d: the job is waited for here (a Ctrl-C cancels it); a background supervisor then follows it. */
async function runDetachedJob(prepared: PreparedJob, run: RunOptions, json: boolean): Promise<number> {
  const report = jobReporter(json);
  const waiting = new AbortController();
  let caught: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    caught = signal;
    waiting.abort();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    const started = await startJob(prepared, { ...upOptionsOf(run), signal: waiting.signal, onEvent: report.event }).finally(() => report.done());
    printDetached(started, json);
    return 0;
  } catch (error) {
    if (caught !== undefined) return exitCodeForSignal(caught);
    throw error;
  } finally {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  }
}

function printDetached(started: StartedTunnel, json: boolean): void {
  const { name, tunnel, report } = started;
  const job = tunnel.job!;
  if (json) {
    process.stdout.write(`${JSON.stringify({ name, state: tunnel.state, route: tunnel.route, forwards: tunnel.forwards, ...(report?.json ?? {}), job: { id: job.id, node: job.node, state: job.state, timeLeft: job.timeLeft, submitted: job.submitted, cancelOnDown: job.cancel !== null }, supervisorPid: tunnel.supervisorPid })}\n`);
    return;
  }
  const fate = job.cancel === null ? (job.submitted ? '--keep-job: it keeps running after the tunnel' : 'attached: it keeps running after the tunnel') : `tunnel down ${name} also cancels it`;
  const jobSummary = `Slurm job ${job.id} on ${job.node ?? '?'}: ${job.state}, ${formatTimeLeft(job.timeLeft)} left; ${fate}`;
  process.stdout.write(backgroundLines(started, [...(report?.lines ?? []), jobSummary]));
  process.stderr.write(degradedLine(tunnel));
}
