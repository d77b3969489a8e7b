import { dirname } from 'node:path';
import { plan as planTunnel } from '../api/tunnel.js';
import { TunnelError } from '../errors.js';
import { newRunId } from '../plan/index.js';
import { findPreset, readTemplate, resolvePresetUp, type Preset, type PresetInput } from '../presets/index.js';
import { serverJobApp } from '../presets/job-app.js';
import { resolveJob, type ResolvedJob } from '../resolve/job.js';
import { jobDryRun, jobDryRunJson, planJob, type JobInput, type JobPlan } from '../resolve/plan.js';
import type { Scheduler } from '../resolve/scheduler.js';
import { slurm } from '../resolve/slurm/index.js';
import type { JobScriptInput } from '../resolve/slurm/script.js';
import { parseTunnelSpec } from '../model/tunnel.js';
import { stateHome } from '../background/paths.js';
import { ensurePrivateDir } from '../fs/private-dir.js';
import { presetInput, reverseInput, startJobSession, type JobSession } from '../supervise/job-session.js';
import type { Tunnel } from '../supervise/tunnel.js';
import { exitCodeForSignal } from './exit-codes.js';
import { runForeground } from './foreground.js';
import { formatTimeLeft, jobJson, jobLine, jobReporter } from './job-report.js';
import { describeTunnel, dryRunLines, tunnelJson } from './render.js';
import { runOptionsFromFlags, upOptionsOf, type RunFlags, type RunOptions } from './run-flags.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface JobUp {
  presetName: string | undefined;
  input: JobInput & PresetInput;
  plan: JobPlan;
  scheduler: Scheduler;
  run: RunOptions;
  json: boolean;
}

/** `tunnel up [jupyter] --via login --slurm "..." [--run CMD -L ...]` and `--job ID`, foreground or -d. */
export async function runJobUp(presetName: string | undefined, input: JobInput & PresetInput, flags: RunFlags): Promise<number> {
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
  if (flags.dryRun) return printDryRun(plan, preset, input, app, flags.json === true);
  if (plan.host.controlPath !== undefined) {
    await ensurePrivateDir(stateHome());
    await ensurePrivateDir(dirname(plan.host.controlPath));
  }
  const scheduler = slurm({ host: plan.host, sbatch: plan.sbatch, jobName: plan.jobName, reuse: plan.reuse });
  const up: JobUp = { presetName: preset?.name, input, plan, scheduler, run, json: flags.json === true };
  return flags.detach ? runDetachedJob(up, input.name ?? `${preset?.name ?? 'job'}-${runId.slice(0, 6)}`) : runForegroundJob(up);
}

async function printDryRun(plan: JobPlan, preset: Preset | undefined, input: JobInput & PresetInput, app: JobScriptInput | undefined, json: boolean): Promise<number> {
  if (json) {
    const argv = preset === undefined ? planTunnel({ ...plan.tunnel, to: 'NODE' }).commands[0] : undefined;
    process.stdout.write(`${JSON.stringify(jobDryRunJson(plan, argv))}\n`);
    return 0;
  }
  const presetOptions = preset?.kind === 'reverse' ? reverseInput(input, plan, 'NODE') : presetInput(input, plan, 'NODE', app?.socket ?? input.attach ?? '/tmp/SOCKET');
  const tunnelLines = preset === undefined
    ? [dryRunLines(planTunnel({ ...plan.tunnel, to: 'NODE' }))]
    : (await resolvePresetUp(preset.name, presetOptions)).dryRun();
  process.stdout.write(`${jobDryRun(plan, tunnelLines).join('\n')}\n`);
  return 0;
}

/** Submit (or attach) and wait here, showing why it waits; a Ctrl-C meanwhile cancels what was submitted. */
function waitForJob(up: JobUp, signal: AbortSignal, report: ReturnType<typeof jobReporter>): Promise<ResolvedJob> {
  const { plan } = up;
  return resolveJob({
    scheduler: up.scheduler, signal, onEvent: report.event, maxPollMs: plan.pollMs,
    job: plan.attach !== undefined ? { attach: plan.attach } : { submit: plan.script! },
    notesDir: plan.notesDir,
  }).finally(() => report.done());
}

async function runForegroundJob(up: JobUp): Promise<number> {
  const report = jobReporter(up.json);
  let session: JobSession | undefined;
  const say = (line: string) => void (up.json || process.stderr.write(`${line}\n`));
  const announce = (s: JobSession, tunnel: Tunnel, heading?: string) => {
    const started = s.preset();
    const job = s.job();
    if (up.json) {
      process.stdout.write(`${JSON.stringify({ ...tunnelJson(tunnel), ...(started?.report.json ?? {}), job: jobJson(s.info(), job.submitted, up.plan.keepJob) })}\n`);
      return;
    }
    const lines = [...(heading === undefined ? [] : [heading]), describeTunnel(tunnel.plan, tunnel.forwards()), ...(started?.report.lines ?? []), jobLine(s.info(), job.submitted, up.plan.keepJob), 'Press Ctrl-C to stop.'];
    process.stdout.write(`${lines.join('\n')}\n`);
  };
  return runForeground({
    json: up.json,
    start: async (signal) => {
      const job = await waitForJob(up, signal, report);
      session = await startJobSession({
        scheduler: up.scheduler, plan: up.plan, job, presetName: up.presetName, input: up.input,
        upOptions: upOptionsOf(up.run, signal), onEvent: report.event, onLine: say,
        onMoved: (moved) => announce(moved, moved.tunnel(), `job ${moved.job().id} was requeued and runs again on ${moved.job().node}:`),
      });
      return session.tunnel();
    },
    announce: (tunnel) => announce(session!, tunnel),
    ended: () => session?.ended,
    after: async () => {
      await session?.down().catch((error: Error) => void process.stderr.write(`tunnel: ${error.message}\n`));
    },
  });
}

/**
 * -d: the job is submitted and waited for here (a Ctrl-C cancels it), then a background supervisor
 * tunnels to its node, follows it, and cancels it on `tunnel down NAME` (unless --keep-job).
 */
async function runDetachedJob(up: JobUp, name: string): Promise<number> {
  const report = jobReporter(up.json);
  const waiting = new AbortController();
  let caught: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    caught = signal;
    waiting.abort();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  let job: ResolvedJob | undefined;
  const { prepareJobRun, startDetached } = await import('../background/detach.js');
  // Before submitting: a name already running keeps its job (which a failed start here would cancel).
  await prepareJobRun(name);
  try {
    job = await waitForJob(up, waiting.signal, report);
    const record = await startDetached(name, {
      spec: undefined, ...up.run,
      job: { plan: up.plan, resolved: job, presetName: up.presetName, input: { ...up.input, name } },
    });
    const { takeSecretReport } = await import('../background/secrets.js');
    printDetached(name, { ...record, preset: record.preset && { ...record.preset, report: (await takeSecretReport(name)) ?? record.preset.report } }, up.json);
    return 0;
  } catch (error) {
    // The supervisor never took the job over: it must not outlive this failed `up`.
    if (job?.submitted && !up.plan.keepJob) {
      await up.scheduler.cancel(job.id).then(() => report.event({ event: 'cancelled', id: job!.id }), () => undefined);
    }
    if (caught !== undefined) return exitCodeForSignal(caught);
    throw error;
  } finally {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  }
}

function printDetached(name: string, record: Awaited<ReturnType<typeof import('../background/detach.js').startDetached>>, json: boolean): void {
  const job = record.job!;
  if (json) {
    process.stdout.write(`${JSON.stringify({ name, state: record.state, route: record.route, forwards: record.forwards, ...(record.preset?.report.json ?? {}), job: { id: job.id, node: job.node, state: job.state, timeLeft: job.timeLeft, submitted: job.submitted, cancelOnDown: job.cancel !== null }, supervisorPid: record.supervisorPid })}\n`);
    return;
  }
  const lines = [`${name}: up via ${record.route.join(' → ')} (${record.strategy}), in the background`];
  for (const f of record.forwards) lines.push(`  ${f.listen}  ${f.direction === 'L' ? '→' : '←'}  ${f.target}`);
  lines.push(...(record.preset?.report.lines ?? []));
  const fate = job.cancel === null ? (job.submitted ? '--keep-job: it keeps running after the tunnel' : 'attached: it keeps running after the tunnel') : `tunnel down ${name} also cancels it`;
  lines.push(`Slurm job ${job.id} on ${job.node ?? '?'}: ${job.state}, ${formatTimeLeft(job.timeLeft)} left; ${fate}`, `stop it with: tunnel down ${name}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (record.state === 'degraded') process.stderr.write(`degraded: ${record.lastError?.message ?? 'a forward does not answer'}\n`);
}
