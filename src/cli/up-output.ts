import type { StartedTunnel } from '../api/start.js';
import type { Session } from '../api/up.js';
import { formatTimeLeft, jobJson, jobLine } from './job-report.js';
import { backgroundLines, degradedLine, describeTunnel, tunnelJson } from './render.js';

/**
 * What a foreground `up` prints once ready, the same for every kind: the tunnel, then what the
 * session adds (a preset's URL lines, the job's line). `--json`: one object (fields may be added, never removed).
 */
export function readyOutput(session: Session, json: boolean, heading?: string): string {
  const tunnel = session.tunnel();
  const report = session.report();
  const job = session.job();
  const keepJob = session.request.kind === 'job' && session.request.plan.keepJob;
  const presetName = session.request.kind === 'preset' ? session.request.name : undefined;
  if (json) {
    const jobField = job === undefined ? {} : { job: jobJson(job.info(), job.job().submitted, keepJob) };
    return `${JSON.stringify({ ...tunnelJson(tunnel), ...(presetName === undefined ? {} : { preset: presetName }), ...(report?.json ?? {}), ...jobField })}\n`;
  }
  const lines = [
    ...(heading === undefined ? [] : [heading]),
    describeTunnel(tunnel.plan, tunnel.forwards()),
    ...(report?.lines ?? []),
    ...(job === undefined ? [] : [jobLine(job.info(), job.job().submitted, keepJob)]),
    'Press Ctrl-C to stop.',
  ];
  return `${lines.join('\n')}\n`;
}

/** What `up -d` prints once the supervisor reports ready (stdout), and the degraded line (stderr). */
export function startedOutput(
  started: StartedTunnel,
  presetName: string | undefined,
  json: boolean,
): { stdout: string; stderr: string } {
  const { name, tunnel, report } = started;
  const job = tunnel.job;
  const stderr = degradedLine(tunnel);
  if (json) {
    const jobField =
      job === undefined
        ? {}
        : {
            job: {
              id: job.id,
              node: job.node,
              state: job.state,
              timeLeft: job.timeLeft,
              submitted: job.submitted,
              cancelOnDown: job.cancel !== null,
            },
          };
    const fields = {
      name,
      state: tunnel.state,
      strategy: tunnel.strategy,
      route: tunnel.route,
      forwards: tunnel.forwards,
      commands: tunnel.commands,
      pids: tunnel.sshPids,
      supervisorPid: tunnel.supervisorPid,
      ...(presetName === undefined ? {} : { preset: presetName }),
      ...(report?.json ?? {}),
      ...jobField,
    };
    return { stdout: `${JSON.stringify(fields)}\n`, stderr };
  }
  const jobLines =
    job === undefined
      ? []
      : [
          `Slurm job ${job.id} on ${job.node ?? '?'}: ${job.state}, ${formatTimeLeft(job.timeLeft)} left; ${jobFate(job, name)}`,
        ];
  return { stdout: backgroundLines(started, [...(report?.lines ?? []), ...jobLines]), stderr };
}

function jobFate(job: NonNullable<StartedTunnel['tunnel']['job']>, name: string): string {
  if (job.cancel !== null) return `tunnel down ${name} also cancels it`;
  return job.submitted
    ? '--keep-job: it keeps running after the tunnel'
    : 'attached: it keeps running after the tunnel';
}
