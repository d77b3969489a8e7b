import { resolvePresetUp, startPreset, type StartedPreset } from '../presets/index.js';
import { startJobSession, type JobSession } from '../scheduler/job-session.js';
import { slurm, slurmCommands } from '../scheduler/slurm/index.js';
import { up, type UpOptions } from '../supervise/up.js';
import type { Tunnel } from '../supervise/tunnel.js';
import type { JobRecord, OpenOptions, PresetRecord, Session, SessionRequest } from './types.js';

/**
 * Brings a session up and resolves once it is ready: the one place that tells the three kinds
 * apart. Whatever fails on the way is taken down again (a job this tool submitted is cancelled).
 */
export async function openSession(request: SessionRequest, options: OpenOptions = {}): Promise<Session> {
  const { unattended = false, onProgress, onEvent, onLook, ...upOptions } = options;
  if (request.kind === 'tunnel') {
    const tunnel = await up(unattended ? { ...request.spec, batchMode: true } : request.spec, upOptions);
    return sessionOf(request, { tunnel: () => tunnel, down: () => tunnel.down() });
  }
  if (request.kind === 'preset') {
    const presetUp = await resolvePresetUp(
      request.name,
      unattended ? { ...request.input, batchMode: true } : request.input,
    );
    const started = await startPreset(presetUp, upOptions, { onLine: onProgress });
    return sessionOf(request, {
      tunnel: () => started.tunnel,
      down: () => started.down(),
      preset: () => presetRecordOf(request.name, started),
    });
  }
  return openJob(request, { unattended, onProgress, onEvent, onLook }, upOptions);
}

async function openJob(
  request: Extract<SessionRequest, { kind: 'job' }>,
  options: OpenOptions,
  upOptions: UpOptions,
): Promise<Session> {
  const { plan, resolved, presetName } = request;
  const host = options.unattended === true ? { ...plan.host, batchMode: true } : plan.host;
  const scheduler = slurm({
    host,
    sbatch: plan.sbatch,
    jobName: plan.jobName,
    reuse: plan.reuse,
    run: upOptions.ssh?.run,
  });
  const cancel =
    resolved.submitted && !plan.keepJob
      ? slurmCommands({ host: plan.host, sbatch: plan.sbatch, jobName: plan.jobName }).cancel(resolved.id)
      : null;
  const moved: Array<(session: Session) => void> = [];
  let session: Session | undefined;
  const job = await startJobSession({
    scheduler,
    plan,
    job: resolved,
    presetName,
    upOptions,
    input: options.unattended === true ? { ...request.input, batchMode: true } : request.input,
    onEvent: options.onEvent,
    onLine: options.onProgress,
    onLook: options.onLook,
    onMoved: () => moved.forEach((listener) => listener(session!)),
  });
  session = sessionOf(request, {
    tunnel: () => job.tunnel(),
    down: () => job.down(),
    preset: () => {
      const started = job.preset();
      return started === undefined || presetName === undefined ? undefined : presetRecordOf(presetName, started);
    },
    job,
    jobRecord: () => jobRecordOf(job, plan.keepJob, cancel),
    onMoved: (listener) => moved.push(listener),
  });
  return session;
}

interface Parts {
  tunnel(): Tunnel;
  down(): Promise<void>;
  preset?: () => PresetRecord | undefined;
  job?: JobSession;
  jobRecord?: () => JobRecord;
  onMoved?: (listener: (session: Session) => void) => void;
}

function sessionOf(request: SessionRequest, parts: Parts): Session {
  return {
    request,
    tunnel: () => parts.tunnel(),
    report: () => parts.preset?.()?.report,
    record: () => {
      const preset = parts.preset?.();
      return {
        ...(preset === undefined ? {} : { preset }),
        ...(parts.jobRecord === undefined ? {} : { job: parts.jobRecord() }),
      };
    },
    job: () => parts.job,
    ended: parts.job?.ended,
    onMoved: parts.onMoved ?? (() => undefined),
    down: () => parts.down(),
    cancelled: () => parts.job?.cancelled(),
  };
}

function presetRecordOf(name: string, started: StartedPreset): PresetRecord {
  return { name, state: started.session.state, report: started.report };
}

function jobRecordOf(session: JobSession, keepJob: boolean, cancel: string[] | null): JobRecord {
  const info = session.info();
  const job = session.job();
  return {
    scheduler: 'slurm',
    id: job.id,
    node: info.node ?? job.node,
    state: info.state,
    reason: info.reason,
    timeLeft: info.timeLeft,
    seenAt: new Date().toISOString(),
    submitted: job.submitted,
    keepJob,
    cancel: info.terminal ? null : cancel,
  };
}
