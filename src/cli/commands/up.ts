import type { Command } from 'commander';
import type { StartedTunnel } from '../../api/start.js';
import { TunnelError } from '../../errors.js';
import type { TunnelOptions } from '../../model/types.js';
import { addJobFlags, jobOptionsFromFlags, type JobFlags } from '../job-flags.js';
import { addPresetFlags, presetOptionsFromFlags, type PresetFlags } from '../preset-flags.js';
import { addRunFlags, runOptionsFromFlags, upOptionsOf, type RunFlags } from '../run-flags.js';
import type { SetExit } from '../set-exit.js';
import { addTunnelFlags, tunnelOptionsFromFlags, type TunnelFlags } from '../tunnel-flags.js';

type UpFlags = TunnelFlags & RunFlags & PresetFlags & JobFlags;

export function registerUp(program: Command, setExit: SetExit): void {
  const command = program
    .command('up')
    .argument('[name]', 'a saved tunnel (tunnel save) or an app preset (tunnel apps); flags given here override its settings')
    .description('bring a tunnel up and keep it up until Ctrl-C (or in the background with -d)');
  addJobFlags(addPresetFlags(addRunFlags(addTunnelFlags(command))))
    .action(async (name: string | undefined, flags: UpFlags) => setExit(await runUp(name, flags)));
}

// Everything below `up` needs (the supervisor, presets, the store) is imported on use: `tunnel ls` and --help never load it.
async function runUp(name: string | undefined, flags: UpFlags): Promise<number> {
  const fromFlags = tunnelOptionsFromFlags(flags);
  const { saved, preset } = await resolveName(name);
  const { definedOnly, withStoredDefaults } = await import('../../api/saved.js');
  if (flags.slurm !== undefined || flags.job !== undefined) {
    // A scheduler resolves the target first: the job's node becomes --to.
    const { runJobUp } = await import('../job-up.js');
    const job = { ...definedOnly(fromFlags), ...definedOnly(jobOptionsFromFlags(flags)), ...definedOnly(presetOptionsFromFlags(flags)) };
    return runJobUp({ ...(preset?.saved ?? saved ?? {}), ...job, preset: preset?.name }, flags);
  }
  if (preset !== undefined) {
    const { runPresetUp } = await import('../preset-up.js');
    return runPresetUp(preset.name, { ...preset.saved, ...definedOnly(fromFlags), ...definedOnly(presetOptionsFromFlags(flags)) }, flags);
  }
  const options = await withStoredDefaults(saved, fromFlags);
  const run = runOptionsFromFlags(flags);
  if (flags.dryRun) {
    const { renderDryRun } = await import('../dry-run.js');
    process.stdout.write(renderDryRun(options, flags.json === true));
    return 0;
  }
  if (flags.detach) return runDetached(options, flags);
  const [{ up }, { runForeground }, { describeTunnel, tunnelJson }] = await Promise.all([import('../../supervise/up.js'), import('../foreground.js'), import('../render.js')]);
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
    const { getSaved } = await import('../../api/saved.js');
    const { preset, presetOptions, ...saved } = await getSaved(name);
    return preset === undefined ? { saved } : { preset: { name: preset, saved: { ...saved, ...presetOptions } } };
  } catch (error) {
    if (!(error instanceof TunnelError && error.code === 'NOT_FOUND')) throw error;
    const { hasPreset } = await import('../../presets/index.js');
    if (await hasPreset(name)) return { preset: { name, saved: {} } };
    throw new TunnelError('NOT_FOUND', `no saved tunnel or preset named '${name}'; see 'tunnel ls --saved' and 'tunnel apps'`);
  }
}

/** `up -d`: the library's start(); from a terminal the shared master (--multiplex) is authenticated here, where prompts work. */
async function runDetached(options: TunnelOptions, flags: UpFlags): Promise<number> {
  const [{ start }, { backgroundLines, degradedLine }] = await Promise.all([import('../../api/start.js'), import('../render.js')]);
  const started = await start({ tunnel: options, ...upOptionsOf(runOptionsFromFlags(flags)), authenticateHere: canPrompt() });
  process.stdout.write(flags.json ? `${JSON.stringify(detachedJson(started))}\n` : backgroundLines(started));
  process.stderr.write(degradedLine(started.tunnel));
  return 0;
}

/** The --json contract of `up -d` (fields may be added, never removed). */
function detachedJson({ name, tunnel }: StartedTunnel): Record<string, unknown> {
  return { name, state: tunnel.state, strategy: tunnel.strategy, route: tunnel.route, forwards: tunnel.forwards, commands: tunnel.commands, pids: tunnel.sshPids, supervisorPid: tunnel.supervisorPid };
}

/** ssh can ask a person: on a terminal, or through SSH_ASKPASS when OpenSSH is told to use it regardless (SSH_ASKPASS_REQUIRE=force). */
function canPrompt(): boolean {
  return process.stdin.isTTY === true || (process.env.SSH_ASKPASS_REQUIRE === 'force' && (process.env.SSH_ASKPASS ?? '') !== '');
}
