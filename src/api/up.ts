import { TunnelError } from '../errors.js';
import { parseInteger } from '../model/tunnel.js';
import type { TunnelOptions } from '../model/types.js';
import type { RunOptions } from '../supervise/defaults.js';
import type { PresetOptions } from '../presets/index.js';
import { hasJobOptions, type JobOptions } from '../scheduler/job-plan.js';
import type { PreparedUp } from './up-types.js';
import { definedOnly, getSaved, withStoredDefaults } from './saved.js';

/** What `tunnel up [NAME] [flags]` asks for: a saved tunnel or preset by name, with the flags over it. */
export interface UpRequest {
  /** A saved tunnel (which may name a preset), else a preset; its settings sit under the ones below. */
  name?: string | undefined;
  tunnel?: TunnelOptions;
  preset?: PresetOptions;
  /** --slurm / --job: the target is a scheduler job's node. */
  job?: JobOptions;
}

/** Resolves NAME and the flags into one of the three kinds of session; runs nothing yet. */
export async function prepareUp(request: UpRequest): Promise<PreparedUp> {
  const { saved, preset } = await resolveName(request.name);
  const tunnel = definedOnly(request.tunnel ?? {});
  const presetOptions = definedOnly(request.preset ?? {});
  if (request.job !== undefined && hasJobOptions(request.job)) {
    const job = { ...(preset?.saved ?? saved ?? {}), ...tunnel, ...definedOnly(request.job), ...presetOptions };
    const { prepareJobUp } = await import('./up-job.js');
    return prepareJobUp({ ...job, preset: preset?.name });
  }
  if (preset !== undefined) {
    const { preparePresetUp } = await import('./up-preset.js');
    return preparePresetUp(preset.name, { ...preset.saved, ...tunnel, ...presetOptions });
  }
  const { prepareTunnelUp } = await import('./up-tunnel.js');
  return prepareTunnelUp(await withStoredDefaults(saved, tunnel));
}

/** NAME is a saved tunnel first (which may itself name a preset), else a shipped preset. Read once. */
async function resolveName(
  name: string | undefined,
): Promise<{ saved?: TunnelOptions; preset?: { name: string; saved: Record<string, unknown> } }> {
  if (name === undefined) return {};
  try {
    const { preset, presetOptions, ...saved } = await getSaved(name);
    return preset === undefined ? { saved } : { preset: { name: preset, saved: { ...saved, ...presetOptions } } };
  } catch (error) {
    if (!(error instanceof TunnelError && error.code === 'NOT_FOUND')) throw error;
    const { hasPreset } = await import('../presets/index.js');
    if (await hasPreset(name)) return { preset: { name, saved: {} } };
    throw new TunnelError(
      'NOT_FOUND',
      `no saved tunnel or preset named '${name}'; see 'tunnel ls --saved' and 'tunnel apps'`,
    );
  }
}

export type { Session, SessionRequest } from '../session/types.js';
export type { JobOptions, PresetOptions, TunnelOptions };
export type { OpenUpOptions, PreparedUp } from './up-types.js';

/** Run options in their text form, as flags and config files give them (seconds). */
export interface RunText {
  readyTimeout?: string | undefined;
  maxRetries?: string | undefined;
  reconnect?: boolean | undefined;
  healthInterval?: string | undefined;
}

/** Checks the text form and converts it; what was not given stays unset, for the one place of defaults. */
export function parseRunText(text: RunText): RunOptions {
  const seconds = (value: string | undefined, field: string, min: number, max: number) =>
    value === undefined ? undefined : parseInteger(value, field, 0, min, max) * 1000;
  return {
    readyTimeoutMs: seconds(text.readyTimeout, '--ready-timeout', 1, 3600),
    maxRetries:
      text.maxRetries === undefined ? undefined : parseInteger(text.maxRetries, '--max-retries', 0, 0, 1_000_000),
    reconnect: text.reconnect === false ? false : undefined,
    healthIntervalMs: seconds(text.healthInterval, '--health-interval', 0, 86_400),
  };
}

export { DEFAULTS } from '../model/defaults.js';
