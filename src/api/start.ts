import { toSpec } from '../supervise/up.js';
import { truthful, type ListedTunnel } from '../background/list.js';
import type { SuperviseRequest } from '../background/request.js';
import { TunnelError } from '../errors.js';
import { newRunId } from '../plan/index.js';
import type { PresetInput, PresetReport } from '../presets/index.js';
import { DEFAULTS } from '../model/defaults.js';
import type { TunnelOptions, TunnelSpec } from '../model/types.js';
import { definedOnly, getSaved, withStoredDefaults } from './saved.js';
import { checkBoolean, checkInteger, checkName, checkOptions } from './validate.js';

export interface StartOptions {
  /** The tunnel, as up() takes it. With `saved`: settings that override the saved ones. */
  tunnel?: TunnelOptions | TunnelSpec;
  /** A saved tunnel (see save()) to start, as `tunnel up NAME -d` does; stored defaults apply under it. */
  saved?: string;
  /** An app preset (see loadPresets()) to start with its options: the app on the node, then the tunnel. */
  preset?: { name: string; input?: PresetInput };
  /** The background tunnel's name (default: the tunnel's or saved name, else a generated one). */
  name?: string;
  /** How long to wait for every forward to be ready (default 30 s). */
  readyTimeoutMs?: number;
  /** Reconnect after a drop (default true). */
  reconnect?: boolean;
  /** Failed reconnects in a row before giving up (default: retry forever). */
  maxRetries?: number;
  /** Probe each forward end to end this often (default 15 s; 0 = off). */
  healthIntervalMs?: number;
  /**
   * With `multiplex`: open and authenticate the shared master in this process first, where ssh
   * may prompt (a terminal, or SSH_ASKPASS); the background supervisor never prompts.
   */
  authenticateHere?: boolean;
}

/** A tunnel started in the background, as list() and status() show it. */
export type BackgroundTunnel = ListedTunnel;

export interface StartedTunnel {
  name: string;
  tunnel: BackgroundTunnel;
  /** A preset's report (URLs, tokens): handed over here once and kept nowhere on disk. */
  report: PresetReport | undefined;
}

type Source = { spec: TunnelSpec } | { preset: { name: string; input: PresetInput } };

/**
 * Starts a tunnel under a background supervisor that outlives this process (what `tunnel up -d`
 * does) and resolves once every forward is ready. Stop it with stop(name).
 */
export async function start(options: StartOptions): Promise<StartedTunnel> {
  const checked = checkOptions(options, 'start');
  const run = runOptionsOf(checked);
  const source = await sourceOf(checked);
  const { startDetached } = await import('../background/detach.js');
  if ('spec' in source) {
    const name = source.spec.name!;
    if (source.spec.multiplex && checked.authenticateHere === true) await authenticateMaster(source.spec);
    const record = await startDetached(name, { spec: source.spec, ...run });
    return { name, tunnel: truthful(record), report: undefined };
  }
  const { resolvePresetUp } = await import('../presets/index.js');
  await resolvePresetUp(source.preset.name, source.preset.input); // a bad option is refused before anything starts
  const name = source.preset.input.name!;
  const record = await startDetached(name, { spec: undefined, preset: source.preset, ...run });
  const { takeSecretReport } = await import('../background/secrets.js');
  const report = (await takeSecretReport(name)) ?? record.preset?.report ?? { lines: [], json: {} };
  return { name, tunnel: truthful(record), report };
}

/** The spec (or preset) to run, named: from `tunnel`, the saved tunnel, or the preset. */
async function sourceOf(options: StartOptions): Promise<Source> {
  const name = options.name === undefined ? undefined : checkName(options.name, 'name');
  if (options.saved !== undefined && options.preset !== undefined) {
    throw new TunnelError('BAD_OPTION', 'start(): pass saved or preset, not both (a saved tunnel names its own preset)', { field: 'preset' });
  }
  const overrides = options.tunnel === undefined ? {} : checkOptions(options.tunnel, 'start: tunnel');
  if (options.saved !== undefined) {
    const { preset, presetOptions, ...saved } = await getSaved(options.saved);
    if (preset !== undefined) return presetSource(preset, { ...saved, ...presetOptions, ...definedOnly(overrides as TunnelOptions) }, name);
    return { spec: named(toSpec(await withStoredDefaults(saved, overrides as TunnelOptions)), name) };
  }
  if (options.preset !== undefined) {
    const preset = checkOptions(options.preset, 'start: preset');
    return presetSource(checkName(preset.name, 'preset.name'), { ...checkOptions(preset.input, 'start: preset.input', false), ...definedOnly(overrides as TunnelOptions) }, name);
  }
  if (options.tunnel === undefined) throw new TunnelError('BAD_OPTION', 'start(): pass the tunnel, a saved tunnel name (saved) or a preset', { field: 'tunnel' });
  return { spec: named(toSpec(overrides), name) };
}

function presetSource(preset: string, input: PresetInput, name: string | undefined): Source {
  return { preset: { name: preset, input: { ...input, name: name ?? input.name ?? `${preset}-${newRunId().slice(0, 6)}` } } };
}

/** Background tunnels are found by name: an unnamed one gets a short generated name. */
function named(spec: TunnelSpec, name: string | undefined): TunnelSpec {
  return { ...spec, name: name ?? spec.name ?? `t-${newRunId().slice(0, 6)}` };
}

/** The supervisor's run options, checked and defaulted (start() and startJob() alike). */
export function runOptionsOf(options: Pick<StartOptions, 'readyTimeoutMs' | 'maxRetries' | 'reconnect' | 'healthIntervalMs' | 'authenticateHere'>): Omit<SuperviseRequest, 'spec' | 'preset' | 'job'> {
  const maxRetries = options.maxRetries === Number.POSITIVE_INFINITY ? undefined : checkInteger(options.maxRetries, 'maxRetries', 0, 1_000_000);
  checkBoolean(options.authenticateHere, 'authenticateHere');
  return {
    readyTimeoutMs: checkInteger(options.readyTimeoutMs, 'readyTimeoutMs', 1, 3_600_000) ?? DEFAULTS.readyTimeoutMs,
    maxRetries: maxRetries ?? null,
    reconnect: checkBoolean(options.reconnect, 'reconnect') ?? true,
    healthIntervalMs: checkInteger(options.healthIntervalMs, 'healthIntervalMs', 0, 86_400_000) ?? DEFAULTS.healthIntervalMs,
  };
}

/** Opens the shared master as a person would (prompts allowed); the supervisor then adds its forwards to it. */
async function authenticateMaster(spec: TunnelSpec): Promise<void> {
  const { ensureMaster } = await import('../supervise/mux-attempt.js');
  const { plan } = await import('../supervise/up.js');
  const interactive = { ...spec, batchMode: false };
  const { mux } = plan(interactive);
  if (mux !== undefined) await ensureMaster(mux, interactive);
}
