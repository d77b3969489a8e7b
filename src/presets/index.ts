import { up, type UpOptions } from '../supervise/up.js';
import type { Tunnel } from '../supervise/tunnel.js';
import { TunnelError } from '../errors.js';
import { findPreset, loadPresets, readTemplate, type LoadOptions } from './load.js';
import { renderPvsc, type PvscInput } from './reverse/pvsc.js';
import { checkPresetOptions, type PresetInput } from './options.js';
import { resolveReverseUp } from './reverse/reverse-up.js';
import { resolveServerUp } from './server/server-up.js';
import type { PresetContext, PresetReport, PresetSession, PresetUp } from './session.js';

export { loadPresets, findPreset, readTemplate, templatesDir, type LoadOptions } from './load.js';
export { validatePreset } from './validate.js';
export { stopPresetApp } from './stop.js';
export { renderPvsc, pvscArguments, type PvscInput } from './reverse/pvsc.js';
export { renderSshConfigEntry } from './reverse/ssh-config-entry.js';
export type { Preset, ServerPreset, ReversePreset } from './types.js';
export type { PresetInput, PresetOptions } from './options.js';
export type { PresetContext, PresetReport, PresetSession, PresetState, PresetUp } from './session.js';

/**
 * `tunnel up <preset>` before anything runs: loads and validates the preset, checks the
 * options against it, and decides what will run. Nothing touches the network until prepare().
 */
export async function resolvePresetUp(
  presetName: string,
  input: PresetInput,
  options: LoadOptions = {},
): Promise<PresetUp> {
  const preset = await findPreset(presetName, options);
  checkPresetOptions(preset, input);
  return preset.kind === 'server' ? resolveServerUp(preset, input) : resolveReverseUp(preset, input);
}

/** True when `name` is a shipped preset (for `tunnel up NAME`, where NAME may also be a saved tunnel). */
export async function hasPreset(name: string, options: LoadOptions = {}): Promise<boolean> {
  return (await loadPresets(options)).some((preset) => preset.name === name);
}

/** A preset whose app and tunnel are both up. */
export interface StartedPreset {
  tunnel: Tunnel;
  session: PresetSession;
  report: PresetReport;
  /** Tunnel down, then the app (unless --keep). Safe to call twice. */
  down(): Promise<void>;
}

/**
 * The whole `tunnel up <preset>` sequence: start the app, bring the tunnel up, wait until the
 * app answers through it. Whatever was started is stopped again if a later step fails.
 */
export async function startPreset(
  presetUp: PresetUp,
  upOptions: UpOptions = {},
  context: PresetContext = {},
): Promise<StartedPreset> {
  const session = await presetUp.prepare({ signal: upOptions.signal, ssh: upOptions.ssh, ...context });
  let tunnel: Tunnel;
  try {
    tunnel = await up(session.options, upOptions);
  } catch (error) {
    await session.cleanup().catch(() => undefined);
    throw error;
  }
  const down = async () => {
    await tunnel.down();
    await session.cleanup();
  };
  try {
    return { tunnel, session, report: await session.describe(tunnel), down };
  } catch (error) {
    await down().catch(() => undefined);
    throw error;
  }
}

/** Renders a preset's config file (paraview: the .pvsc whose startup command calls `tunnel`). */
export async function renderPresetConfig(
  presetName: string,
  input: PvscInput,
  options: LoadOptions = {},
): Promise<string> {
  const preset = await findPreset(presetName, options);
  const template = preset.kind === 'reverse' ? preset.reverse.configTemplate : undefined;
  if (template === undefined)
    throw new TunnelError('BAD_OPTION', `the '${presetName}' preset has no config file to render`, { field: 'preset' });
  return renderPvsc(await readTemplate(template, options), input, template);
}
