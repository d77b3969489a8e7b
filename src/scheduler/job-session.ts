import { up, type UpOptions } from '../supervise/up.js';
import { TunnelError } from '../errors.js';
import { findPreset, resolvePresetUp, startPreset, type PresetInput, type StartedPreset } from '../presets/index.js';
import type { JobEvent, ResolvedJob } from './resolve-job.js';
import type { JobInput, JobPlan } from './job-plan.js';
import type { JobInfo, JobNotes, Scheduler } from './types.js';
import { watchJob, type JobWatch } from './watch.js';
import { ownJobWhat, type CancelledJob } from './tunnel-jobs.js';
import type { Tunnel } from '../supervise/tunnel.js';

export interface JobSessionOptions {
  scheduler: Scheduler;
  plan: JobPlan;
  /** The job resolveJob() returned: it runs, on a known node. */
  job: ResolvedJob;
  /** A server preset whose app the job runs (its socket is in the job's notes), or a plain tunnel. */
  presetName: string | undefined;
  input: JobInput & PresetInput;
  upOptions: UpOptions;
  onEvent?: ((event: JobEvent) => void) | undefined;
  /** A preset's own progress lines. */
  onLine?: ((line: string) => void) | undefined;
  /** The job was requeued and the tunnel now goes to `node` (same local port). */
  onMoved?: ((session: JobSession) => void) | undefined;
  /** Every look at the job while it runs (to publish its state and time left). */
  onLook?: ((info: JobInfo) => void) | undefined;
}

/** A tunnel that follows one scheduler job: to its node, across a requeue, and down with it. */
export interface JobSession {
  job(): ResolvedJob;
  tunnel(): Tunnel;
  preset(): StartedPreset | undefined;
  /** The job as last seen. */
  info(): JobInfo;
  /** Resolves when the job ends for good, or the tunnel to its new node could not be built. */
  ended: Promise<TunnelError>;
  /** Stops the watch, the tunnel and the preset; cancels the job if this tool submitted it (unless --keep-job). */
  down(): Promise<void>;
  /** How down()'s cancel went; undefined when it had nothing to cancel (kept, attached, already over). */
  cancelled(): CancelledJob | undefined;
}

/**
 * Builds the tunnel to the job's node and watches the job while it runs. Whatever fails here
 * cancels a job this tool submitted, so an interrupted `up` never leaves one behind.
 */
export async function startJobSession(options: JobSessionOptions): Promise<JobSession> {
  const { scheduler, plan } = options;
  let job = options.job;
  let input = options.input;
  let started: StartedPreset | undefined;
  let watch: JobWatch | undefined;
  let moving: Promise<void> | undefined;
  const stopMoving = new AbortController();
  let failMoved: (error: TunnelError) => void = () => undefined;
  const movedFailed = new Promise<TunnelError>((resolve) => (failMoved = resolve));
  let outcome: CancelledJob | undefined;
  const cancel = async () => {
    // A job that already ended (walltime, someone's scancel) has nothing left to cancel.
    if (!job.submitted || plan.keepJob || watch?.latest().terminal === true) return;
    const which = { id: job.id, what: ownJobWhat(job.node) };
    try {
      await scheduler.cancel(job.id);
    } catch (error) {
      outcome = {
        ...which,
        cancelled: false,
        error: error instanceof TunnelError ? (error.sshMessage ?? error.message) : String(error),
      };
      throw error;
    }
    outcome = { ...which, cancelled: true };
    options.onEvent?.({ event: 'cancelled', id: job.id });
  };
  const build = (signal: AbortSignal | undefined) =>
    tunnelTo(
      scheduler,
      job,
      plan,
      options.presetName,
      input,
      { ...options.upOptions, signal },
      (s) => (started = s),
      options.onLine ?? (() => undefined),
    );
  let current: Tunnel;
  try {
    current = await build(options.upOptions.signal);
  } catch (error) {
    await cancel().catch(() => undefined);
    throw error;
  }
  let session: JobSession | undefined;
  /** A requeued job runs again: same node and a plain tunnel, ssh reconnects by itself; else re-point. */
  const follow = async (info: JobInfo, notes: JobNotes): Promise<void> => {
    if (info.node === job.node && options.presetName === undefined) return;
    // The old tunnel goes first: the new one binds the same local port.
    await started?.session.cleanup();
    await current.down();
    const port = started === undefined ? undefined : localPortOf(started.report.json);
    started = undefined;
    job = { ...job, node: info.node!, info, notes };
    if (port) input = { ...input, localPort: port };
    const next = await build(stopMoving.signal);
    if (stopMoving.signal.aborted) return void (await next.down());
    current = next;
    next.on(
      'state',
      (state: string, error?: TunnelError) =>
        void ((state === 'failed' || state === 'needs-auth') && error && failMoved(error)),
    );
    options.onMoved?.(session!);
  };
  const watching = watchJob(scheduler, job.info, {
    intervalMs: plan.pollMs,
    onEvent: options.onEvent,
    onLook: options.onLook,
    notesDir: plan.notesDir === undefined ? undefined : (job.notes.dir ?? plan.notesDir),
    onMoved: (info, notes) => (moving = follow(info, notes)),
  });
  watch = watching;
  session = {
    job: () => job,
    tunnel: () => current,
    preset: () => started,
    info: () => watching.latest(),
    ended: Promise.race([watching.ended, movedFailed]),
    cancelled: () => outcome,
    async down() {
      stopMoving.abort();
      watching.stop();
      await moving?.catch(() => undefined);
      // The job first: a server that connects back (pvserver) exits 0 once the tunnel goes, and the
      // job would end COMPLETED just before its scancel; cancelled, it says what happened.
      // A failed scancel (a lost login node) must not leave the tunnel up: tear down, then say so.
      try {
        await cancel();
      } finally {
        await current.down();
        await started?.session.cleanup();
      }
    },
  };
  return session;
}

async function tunnelTo(
  scheduler: Scheduler,
  job: ResolvedJob,
  plan: JobPlan,
  presetName: string | undefined,
  input: JobInput & PresetInput,
  upOptions: UpOptions,
  onPreset: (s: StartedPreset) => void,
  say: (line: string) => void,
): Promise<Tunnel> {
  if (presetName === undefined) return up({ ...plan.tunnel, to: job.node }, upOptions);
  const preset = await findPreset(presetName);
  if (preset.kind === 'reverse') return reverseTo(scheduler, job, plan, presetName, input, upOptions, onPreset, say);
  const socket = input.attach ?? job.notes.socket;
  if (socket === undefined || socket === '') {
    throw new TunnelError(
      'APP_FAILED',
      `job ${job.id} left no notes for the tunnel (was it submitted by 'tunnel up ${presetName} --slurm'?); pass the server's socket with --attach PATH`,
    );
  }
  const started = await startPreset(
    await resolvePresetUp(presetName, presetInput(input, plan, job.node, socket)),
    upOptions,
    { onLine: say },
  );
  onPreset(started);
  return started.tunnel;
}

/**
 * A reverse app (pvserver) in the job connects back: the -R goes onto the job's node, and the job,
 * which waits for it, is told the port it got. The job runs the app, so nothing is launched over ssh.
 */
async function reverseTo(
  scheduler: Scheduler,
  job: ResolvedJob,
  plan: JobPlan,
  presetName: string,
  input: JobInput & PresetInput,
  upOptions: UpOptions,
  onPreset: (s: StartedPreset) => void,
  say: (line: string) => void,
): Promise<Tunnel> {
  const started = await startPreset(await resolvePresetUp(presetName, reverseInput(input, plan, job.node)), upOptions, {
    onLine: say,
  });
  onPreset(started);
  const port = Number(started.report.json.remotePort);
  try {
    if (job.notes.wait === 'port') await scheduler.tell(job.id, { port: String(port) });
  } catch (error) {
    await started.down();
    throw error;
  }
  const { report } = started;
  // The job runs the server: drop the "on NODE run: ..." advice, say what the job does instead.
  report.lines = report.lines.filter((line) => !line.startsWith(`on ${job.node} run: `));
  if (job.notes.wait === 'port')
    report.lines.push(
      `job ${job.id} starts the server on ${job.node} now; it connects back through localhost:${port} there`,
    );
  const { remoteCommand: _remoteCommand, ...json } = report.json;
  report.json = { ...json, job: job.id };
  return started.tunnel;
}

/** The preset's own options for a server that already runs in the job: attach to its socket on the node. */
export function presetInput(input: JobInput & PresetInput, plan: JobPlan, node: string, socket: string): PresetInput {
  const { cmd: _cmd, keep: _keep, attach: _attach, sock: _sock, ...rest } = input;
  return {
    ...plan.tunnel,
    localPort: rest.localPort,
    startTimeout: rest.startTimeout,
    to: node,
    attach: socket,
    sock: true,
  };
}

/** A reverse preset's options with the job's node as the target (the job launches the server, not ssh). */
export function reverseInput(input: JobInput & PresetInput, plan: JobPlan, node: string): PresetInput {
  return { ...plan.tunnel, port: input.port, remotePort: input.remotePort, to: node };
}

/**
 * The local port a requeued job's new tunnel keeps (the browser's tab stays valid): a server
 * preset's URL port. A reverse preset (pvserver) reports no URL: its local port is its own option.
 */
export function localPortOf(json: Record<string, unknown>): string | undefined {
  if (typeof json.url !== 'string' || !URL.canParse(json.url)) return undefined;
  return new URL(json.url).port || undefined;
}
