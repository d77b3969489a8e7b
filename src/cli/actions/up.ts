import { toSpec, up } from '../../api.js';
import { newRunId } from '../../plan/index.js';
import { presetOptionsFromFlags, type PresetFlags } from '../preset-flags.js';
import { TunnelError } from '../../errors.js';
import type { TunnelOptions, TunnelSpec } from '../../spec/types.js';
import { join } from 'node:path';
import { stateHome } from '../../state/paths.js';
import { renderDryRun } from '../dry-run.js';
import { runForeground } from '../foreground.js';
import { describeTunnel, tunnelJson } from '../render.js';
import { runOptionsFromFlags, upOptionsOf, type RunFlags, type RunOptions } from '../run-flags.js';
import { definedOnly, resolveSavedOptions } from '../saved-options.js';
import { tunnelOptionsFromFlags, type TunnelFlags } from '../tunnel-flags.js';
import { jobOptionsFromFlags, type JobFlags } from '../job-flags.js';
export type UpFlags = TunnelFlags & RunFlags & PresetFlags & JobFlags;


export async function runUp(name: string | undefined, flags: UpFlags): Promise<number> {
  const fromFlags = tunnelOptionsFromFlags(flags);
  const { saved, preset } = await resolveName(name);
  if (flags.slurm !== undefined || flags.job !== undefined) {
    // A scheduler resolves the target first: the job's node becomes --to.
    const { runJobUp } = await import('../job-up.js');
    const job = { ...definedOnly(fromFlags), ...definedOnly(jobOptionsFromFlags(flags)), ...definedOnly(presetOptionsFromFlags(flags)) };
    return runJobUp(preset?.name, { ...(preset?.saved ?? saved ?? {}), ...job }, flags);
  }
  if (preset !== undefined) {
    const { runPresetUp } = await import('../preset-up.js');
    return runPresetUp(preset.name, { ...preset.saved, ...definedOnly(fromFlags), ...definedOnly(presetOptionsFromFlags(flags)) }, flags);
  }
  const options = await resolveSavedOptions(saved, fromFlags);
  const run = runOptionsFromFlags(flags);
  if (flags.dryRun) {
    process.stdout.write(renderDryRun(options, flags.json === true));
    return 0;
  }
  if (flags.detach) return runDetached(options, flags, run);
  return runForeground({
    json: flags.json === true,
    start: (signal) => up(options, upOptionsOf(run, signal)),
    announce: (tunnel) => process.stdout.write(flags.json ? `${JSON.stringify(tunnelJson(tunnel))}\n` : `${describeTunnel(tunnel.plan, tunnel.forwards())}\nPress Ctrl-C to stop.\n`),
  });
}

/** NAME is a saved tunnel first (which may itself name a preset), else a shipped preset. Read once. */
async function resolveName(name: string | undefined): Promise<{ saved?: TunnelOptions; preset?: { name: string; saved: Record<string, unknown> } }> {
  if (name === undefined) return {};
  try {
    const { getTunnel } = await import('../../profiles/index.js');
    const { preset, presetOptions, ...saved } = getTunnel(name);
    return preset === undefined ? { saved } : { preset: { name: preset, saved: { ...saved, ...presetOptions } } };
  } catch (error) {
    if (!(error instanceof TunnelError && error.code === 'NOT_FOUND')) throw error;
    const { hasPreset } = await import('../../presets/index.js');
    if (await hasPreset(name)) return { preset: { name, saved: {} } };
    throw new TunnelError('NOT_FOUND', `no saved tunnel or preset named '${name}'; see 'tunnel ls --saved' and 'tunnel apps'`);
  }
}

async function runDetached(options: TunnelOptions, flags: UpFlags, run: RunOptions): Promise<number> {
  const spec = toSpec({ ...options, name: options.name ?? `t-${newRunId().slice(0, 6)}` });
  const name = spec.name!;
  // From a terminal, authenticate the shared master here (prompts work); the background
  // supervisor, which never prompts, then just adds its forwards to it.
  if (spec.multiplex && canPrompt()) await authenticateMaster(spec);
  const { startDetached } = await import('../../daemon/detach.js');
  const record = await startDetached(name, { spec, ...run });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ name, state: record.state, strategy: record.strategy, route: record.route, forwards: record.forwards, commands: record.commands, pids: record.sshPids, supervisorPid: record.supervisorPid })}\n`);
    return 0;
  }
  const lines = [`${name}: up via ${record.route.join(' → ')} (${record.strategy}), in the background`];
  for (const f of record.forwards) lines.push(`  ${f.listen}  ${f.direction === 'L' ? '→' : '←'}  ${f.target}`);
  lines.push(`stop it with: tunnel down ${name}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (record.state === 'degraded') process.stderr.write(`degraded: ${record.lastError?.message ?? 'a forward does not answer'}\n`);
  return 0;
}

async function authenticateMaster(spec: TunnelSpec): Promise<void> {
  const { ensureMaster } = await import('../../supervise/mux-attempt.js');
  const { planMux } = await import('../../plan/mux.js');
  const dir = join(stateHome(), 'cm');
  await ensureMaster(planMux({ ...spec, batchMode: false }, dir), { ...spec, batchMode: false });
}

/** ssh can ask a person: on a terminal, or through SSH_ASKPASS when OpenSSH is told to use it regardless (SSH_ASKPASS_REQUIRE=force). */
function canPrompt(): boolean {
  return process.stdin.isTTY === true || (process.env.SSH_ASKPASS_REQUIRE === 'force' && (process.env.SSH_ASKPASS ?? '') !== '');
}
