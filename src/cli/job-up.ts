import { plan as planTunnel, up } from '../api.js';
import { TunnelError } from '../errors.js';
import { newRunId } from '../plan/index.js';
import { findPreset, readTemplate, resolvePresetUp, startPreset, type PresetInput, type StartedPreset } from '../presets/index.js';
import { serverJobApp } from '../presets/job-app.js';
import { resolveJob, type ResolvedJob } from '../resolve/job.js';
import { jobDryRun, jobDryRunJson, planJob, type JobInput, type JobPlan } from '../resolve/plan.js';
import { slurm } from '../resolve/slurm/index.js';
import type { JobScriptInput } from '../resolve/slurm/script.js';
import { watchJob, type JobWatch } from '../resolve/watch.js';
import { ensurePrivateDir, stateHome } from '../state/paths.js';
import { parseTunnelSpec } from '../spec/tunnel.js';
import type { Tunnel } from '../supervise/tunnel.js';
import type { JobInfo, JobNotes } from '../resolve/scheduler.js';
import { dirname } from 'node:path';
import { runForeground } from './foreground.js';
import { jobJson, jobLine, jobReporter } from './job-report.js';
import { describeTunnel, dryRunLines, tunnelJson } from './render.js';
import { runOptionsFromFlags, upOptionsOf, type RunFlags } from './run-flags.js';

/** `tunnel up [jupyter] --via login --slurm "..." [--run CMD -L ...]` and `--job ID`. */
export async function runJobUp(presetName: string | undefined, input: JobInput & PresetInput, flags: RunFlags): Promise<number> {
  if (flags.detach) throw new TunnelError('BAD_OPTION', '-d: job-aware tunnels run in the foreground for now; drop -d (Ctrl-C cancels the job)', { field: '-d' });
  const run = runOptionsFromFlags(flags);
  const runId = newRunId();
  const preset = presetName === undefined ? undefined : await findPreset(presetName);
  const app: JobScriptInput | undefined = preset !== undefined
    ? (input.slurm === undefined ? undefined : serverJobApp(preset, input, runId))
    : input.run === undefined ? undefined : { title: `tunnel up --slurm --run: ${input.run}`, dir: `/tmp/tnl-job-${runId}`, socket: '', command: input.run };
  if (preset !== undefined && input.run !== undefined) throw new TunnelError('BAD_OPTION', `--run: the '${preset.name}' preset runs its own server in the job (use --cmd to change it)`, { field: '--run' });
  const plan = planJob(input, app, await readTemplate('slurm/job.sh'), stateHome());
  if (input.name === undefined && preset !== undefined) plan.jobName = `tnl-${preset.name}`;
  // Bad forwards fail here, before anything is submitted.
  if (preset === undefined) parseTunnelSpec({ ...plan.tunnel, to: 'NODE' });
  if (flags.dryRun && flags.json) {
    const argv = preset === undefined ? planTunnel({ ...plan.tunnel, to: 'NODE' }).tunnel.argv : undefined;
    process.stdout.write(`${JSON.stringify(jobDryRunJson(plan, argv))}\n`);
    return 0;
  }
  if (flags.dryRun) {
    const tunnelLines = preset === undefined
      ? [dryRunLines(planTunnel({ ...plan.tunnel, to: 'NODE' }))]
      : (await resolvePresetUp(preset.name, presetInput(input, plan, 'NODE', app?.socket ?? input.attach ?? '/tmp/SOCKET'))).dryRun();
    process.stdout.write(`${jobDryRun(plan, tunnelLines).join('\n')}\n`);
    return 0;
  }
  if (plan.host.controlPath !== undefined) {
    await ensurePrivateDir(stateHome());
    await ensurePrivateDir(dirname(plan.host.controlPath));
  }
  const scheduler = slurm({ host: plan.host, sbatch: plan.sbatch, jobName: plan.jobName, reuse: plan.reuse });
  const report = jobReporter(flags.json === true);
  let job: ResolvedJob | undefined;
  let watch: JobWatch | undefined;
  let started: StartedPreset | undefined;
  const release = async () => {
    watch?.stop();
    // A job that already ended (walltime, someone's scancel) has nothing left to cancel.
    if (job?.submitted && !plan.keepJob && watch?.latest().terminal !== true) {
      await scheduler.cancel(job.id).then(() => report.event({ event: 'cancelled', id: job!.id }), (error: Error) => process.stderr.write(`tunnel: ${error.message}\n`));
    }
  };
  let current: Tunnel | undefined;
  let moving: Promise<void> | undefined;
  const stopMoving = new AbortController();
  let failMoved: (error: TunnelError) => void = () => undefined;
  const movedFailed = new Promise<TunnelError>((resolve) => (failMoved = resolve));
  const say = (line: string) => void (flags.json || process.stderr.write(`${line}\n`));
  const announce = (tunnel: Tunnel, heading?: string) => {
    const info = watch?.latest() ?? job!.info;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ ...tunnelJson(tunnel), ...(started?.report.json ?? {}), job: jobJson(info, job!.submitted, plan.keepJob) })}\n`);
      return;
    }
    const lines = [...(heading === undefined ? [] : [heading]), describeTunnel(tunnel.plan, tunnel.forwards()), ...(started?.report.lines ?? []), jobLine(info, job!.submitted, plan.keepJob), 'Press Ctrl-C to stop.'];
    process.stdout.write(`${lines.join('\n')}\n`);
  };
  /** A requeued job runs again: same node and a plain tunnel, ssh reconnects by itself; else re-point. */
  const follow = async (info: JobInfo, notes: JobNotes): Promise<void> => {
    if (info.node === job!.node && presetName === undefined) return;
    // The old tunnel goes first: the new one binds the same local port.
    await started?.session.cleanup();
    await current?.down();
    const port = started === undefined ? undefined : new URL(String(started.report.json.url)).port;
    started = undefined;
    job = { ...job!, node: info.node!, info, notes };
    if (port) input = { ...input, localPort: port };
    const next = await tunnelTo(job, plan, preset?.name, input, run, stopMoving.signal, (s) => (started = s), say);
    if (stopMoving.signal.aborted) return void (await next.down());
    current = next;
    next.on('state', (state: string, error?: TunnelError) => void ((state === 'failed' || state === 'needs-auth') && error && failMoved(error)));
    announce(next, `job ${job.id} was requeued and runs again on ${info.node}:`);
  };
  // Teardown (re-pointed tunnel, scancel) runs after the foreground drops its signal handlers;
  // without one of ours, a signal then (or execa's signal-exit re-raising one) would kill us
  // before the job is cancelled.
  const hold = () => undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, hold);
  return runForeground({
    json: flags.json === true,
    start: async (signal) => {
      job = await resolveJob({
        scheduler, signal, onEvent: report.event, maxPollMs: plan.pollMs,
        job: plan.attach !== undefined ? { attach: plan.attach } : { submit: plan.script! },
        notesDir: plan.notesDir,
      });
      report.done();
      try {
        current = await tunnelTo(job, plan, preset?.name, input, run, signal, (s) => (started = s), say);
        watch = watchJob(scheduler, job.info, {
          intervalMs: plan.pollMs, onEvent: report.event, notesDir: plan.notesDir === undefined ? undefined : (job.notes.dir ?? plan.notesDir),
          onMoved: (info, notes) => (moving = follow(info, notes)),
        });
        return current;
      } catch (error) {
        await release();
        throw error;
      }
    },
    announce: (tunnel) => announce(tunnel),
    ended: () => (watch === undefined ? undefined : Promise.race([watch.ended, movedFailed])),
    after: async () => {
      stopMoving.abort();
      await moving?.catch(() => undefined);
      await current?.down();
      await started?.session.cleanup();
      await release();
    },
  }).finally(() => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(signal, hold);
  });
}

async function tunnelTo(
  job: ResolvedJob, plan: JobPlan, presetName: string | undefined, input: JobInput & PresetInput,
  run: ReturnType<typeof runOptionsFromFlags>, signal: AbortSignal, onPreset: (s: StartedPreset) => void,
  say: (line: string) => void,
): Promise<Tunnel> {
  if (presetName === undefined) return up({ ...plan.tunnel, to: job.node }, upOptionsOf(run, signal));
  const socket = input.attach ?? job.notes.socket;
  if (socket === undefined || socket === '') {
    throw new TunnelError('APP_FAILED', `job ${job.id} left no notes for the tunnel (was it submitted by 'tunnel up ${presetName} --slurm'?); pass the server's socket with --attach PATH`);
  }
  const started = await startPreset(await resolvePresetUp(presetName, presetInput(input, plan, job.node, socket)), upOptionsOf(run, signal), { onLine: say });
  onPreset(started);
  return started.tunnel;
}

/** The preset's own options for a server that already runs in the job: attach to its socket on the node. */
function presetInput(input: JobInput & PresetInput, plan: JobPlan, node: string, socket: string): PresetInput {
  const { cmd: _cmd, keep: _keep, attach: _attach, sock: _sock, ...rest } = input;
  return { ...plan.tunnel, localPort: rest.localPort, startTimeout: rest.startTimeout, to: node, attach: socket, sock: true };
}
