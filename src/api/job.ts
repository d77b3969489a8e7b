import { dirname } from 'node:path';
import { stateHome } from '../os/state-paths.js';
import { TunnelError } from '../errors.js';
import { ensurePrivateDir } from '../os/private-dir.js';
import { parseTunnelSpec } from '../model/tunnel.js';
import { newRunId } from '../plan/index.js';
import { dryRunLines } from '../plan/shell-lines.js';
import { findPreset, readTemplate, resolvePresetUp, type Preset, type PresetInput } from '../presets/index.js';
import { serverJobApp } from '../scheduler/job-app.js';
import { resolveJob, type JobEvent, type ResolvedJob } from '../scheduler/resolve-job.js';
import { jobDryRun, jobDryRunJson, planJob, type JobInput, type JobPlan } from '../scheduler/job-plan.js';
import type { Scheduler } from '../scheduler/types.js';
import { slurm } from '../scheduler/slurm/index.js';
import type { JobScriptInput } from '../scheduler/slurm/script.js';
import { presetInput, reverseInput } from '../scheduler/job-session.js';
import { openSession } from '../session/open.js';
import type { Session } from '../session/types.js';
import type { SshRunner } from '../ssh/runner.js';
import { plan as planTunnel, type UpOptions } from '../supervise/up.js';
import { checkRunOptions, startInBackground, type StartedTunnel, type StartOptions } from './start.js';

/** A tunnel whose target comes from a scheduler job: the tunnel's, the job's and a preset's options. */
export interface JobTunnelOptions extends JobInput, PresetInput {
  /** An app preset whose server the job runs (jupyter, paraview), or none for --run with your own forwards. */
  preset?: string | undefined;
}

/** Everything decided before the cluster is asked anything: the batch script, the commands, the scheduler. */
export interface PreparedJob {
  plan: JobPlan;
  preset: Preset | undefined;
  input: JobInput & PresetInput;
  scheduler: Scheduler;
  /** The batch script, each ssh/sbatch/squeue/scancel and the tunnel, as shell lines (the node as NODE). */
  dryRun(): Promise<string[]>;
  dryRunJson(): Record<string, unknown>;
}

export interface JobUpOptions extends UpOptions {
  /** submitted, waiting (state and reason), running, cancelled, walltime. */
  onEvent?: (event: JobEvent) => void;
  /** A requeued job runs again: the session's tunnel is a new one, to its new node. */
  onMoved?: (session: Session) => void;
  /** A preset's own progress lines. */
  onProgress?: (line: string) => void;
}

/** Validates the options and renders the batch script; runs nothing (what --dry-run prints). */
export async function prepareJob(options: JobTunnelOptions): Promise<PreparedJob> {
  const { preset: presetName, ...input } = options;
  const runId = newRunId();
  const preset = presetName === undefined ? undefined : await findPreset(presetName);
  if (preset !== undefined && input.run !== undefined)
    throw new TunnelError(
      'BAD_OPTION',
      `--run: the '${preset.name}' preset runs its own server in the job (use --cmd to change it)`,
      { field: '--run' },
    );
  const app = jobApp(preset, input, runId);
  const plan = planJob(input, app, await readTemplate('slurm/job.sh'), stateHome());
  if (input.name === undefined && preset !== undefined) plan.jobName = `tnl-${preset.name}`;
  // Bad forwards fail here, before anything is submitted.
  if (preset === undefined) parseTunnelSpec({ ...plan.tunnel, to: 'NODE' });
  const scheduler = schedulerOf(plan);
  const placeholder = () =>
    preset?.kind === 'reverse'
      ? reverseInput(input, plan, 'NODE')
      : presetInput(input, plan, 'NODE', app?.socket ?? input.attach ?? '/tmp/SOCKET');
  return {
    plan,
    preset,
    input,
    scheduler,
    dryRun: async () =>
      jobDryRun(
        plan,
        preset === undefined
          ? [dryRunLines(planTunnel({ ...plan.tunnel, to: 'NODE' }))]
          : (await resolvePresetUp(preset.name, placeholder())).dryRun(),
      ),
    dryRunJson: () =>
      jobDryRunJson(plan, preset === undefined ? planTunnel({ ...plan.tunnel, to: 'NODE' }).commands[0] : undefined),
  };
}

/** What the job runs: a preset's server, a --run command, or nothing (attaching with --job). */
function jobApp(preset: Preset | undefined, input: JobInput & PresetInput, runId: string): JobScriptInput | undefined {
  if (preset !== undefined) return input.slurm === undefined ? undefined : serverJobApp(preset, input, runId);
  return input.run === undefined
    ? undefined
    : { title: `tunnel up --slurm --run: ${input.run}`, dir: `/tmp/tnl-job-${runId}`, socket: '', command: input.run };
}

/**
 * Submits (or attaches to) the job and waits until it runs, through the login node. A `signal`
 * while waiting cancels what was submitted: an interrupted start never leaves a job behind.
 */
export async function waitForJob(
  prepared: PreparedJob,
  options: {
    signal?: AbortSignal | undefined;
    onEvent?: ((event: JobEvent) => void) | undefined;
    ssh?: Partial<SshRunner> | undefined;
  } = {},
): Promise<ResolvedJob> {
  const { plan } = prepared;
  if (plan.host.controlPath !== undefined) {
    await ensurePrivateDir(stateHome());
    await ensurePrivateDir(dirname(plan.host.controlPath));
  }
  return resolveJob({
    scheduler: options.ssh?.run === undefined ? prepared.scheduler : schedulerOf(plan, options.ssh.run),
    signal: options.signal,
    onEvent: options.onEvent,
    maxPollMs: plan.pollMs,
    job: plan.attach !== undefined ? { attach: plan.attach } : { submit: plan.script! },
    notesDir: plan.notesDir,
  });
}

/** The job's scheduler through its login node; every command run by `run` when one is handed in. */
function schedulerOf(plan: JobPlan, run?: SshRunner['run']): Scheduler {
  return slurm({
    host: plan.host,
    sbatch: plan.sbatch,
    jobName: plan.jobName,
    reuse: plan.reuse,
    ...(run === undefined ? {} : { run }),
  });
}

/** Submit, wait, tunnel to the job's node, and follow the job; session.down() cancels what was submitted. */
export async function upJob(prepared: PreparedJob, options: JobUpOptions = {}): Promise<Session> {
  const job = await waitForJob(prepared, options);
  const { onMoved, ...openOptions } = options;
  const session = await openSession(
    { kind: 'job', plan: prepared.plan, resolved: job, presetName: prepared.preset?.name, input: prepared.input },
    openOptions,
  );
  if (onMoved !== undefined) session.onMoved(onMoved);
  return session;
}

/**
 * The same in the background (`up -d`): waits for the job here, then hands it to a supervisor that
 * tunnels to its node, follows it and ends with it; stop(name) cancels it unless keepJob.
 */
export interface StartJobOptions extends Pick<
  StartOptions,
  'name' | 'readyTimeoutMs' | 'maxRetries' | 'reconnect' | 'healthIntervalMs'
> {
  /** While the job is still waited for: cancels it (and what was submitted). */
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
}

export async function startJob(prepared: PreparedJob, options: StartJobOptions = {}): Promise<StartedTunnel> {
  const run = checkRunOptions(options);
  const name = options.name ?? prepared.input.name ?? `${prepared.preset?.name ?? 'job'}-${newRunId().slice(0, 6)}`;
  const { prepareJobRun } = await import('../background/detach.js');
  // Before submitting: a name already running keeps its job (which a failed start here would cancel).
  await prepareJobRun(name);
  const job = await waitForJob(prepared, options);
  try {
    const session = {
      kind: 'job' as const,
      plan: prepared.plan,
      resolved: job,
      presetName: prepared.preset?.name,
      input: { ...prepared.input, name },
    };
    return await startInBackground(name, { session, run }, options.signal);
  } catch (error) {
    // The supervisor never took the job over: it must not outlive this failed start.
    if (job.submitted && !prepared.plan.keepJob) {
      await prepared.scheduler.cancel(job.id).then(
        () => options.onEvent?.({ event: 'cancelled', id: job.id }),
        () => undefined,
      );
    }
    throw error;
  }
}
