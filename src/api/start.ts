import { toSpec } from '../supervise/up.js';
import { truthful, type ListedTunnel } from '../background/list.js';
import type { SuperviseRequest } from '../background/request.js';
import type { SessionRequest } from '../session/types.js';
import type { RunSsh } from '../ssh/run.js';
import { sshRunner, type SshRunner } from '../ssh/runner.js';
import { TunnelError } from '../errors.js';
import { newRunId } from '../plan/index.js';
import type { PresetInput, PresetReport } from '../presets/index.js';
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
  /** Cancels the start: what was started for it is stopped again (see stop()). */
  signal?: AbortSignal | undefined;
  /** Runner for the ssh run here (the shared master's login); the supervisor, another process, runs the system's. */
  ssh?: Partial<SshRunner> | undefined;
}

/** A tunnel started in the background, as list() and status() show it. */
export type BackgroundTunnel = ListedTunnel;

export interface StartedTunnel {
  name: string;
  tunnel: BackgroundTunnel;
  /** A preset's report (URLs, tokens): handed over here once and kept nowhere on disk. */
  report: PresetReport | undefined;
}

/**
 * Starts a tunnel under a background supervisor that outlives this process (what `tunnel up -d`
 * does) and resolves once every forward is ready. Stop it with stop(name).
 */
export async function start(options: StartOptions): Promise<StartedTunnel> {
  const checked = checkOptions(options, 'start');
  const run = checkRunOptions(checked);
  const session = await sessionRequestOf(checked);
  if (session.kind === 'preset') {
    const { resolvePresetUp } = await import('../presets/index.js');
    await resolvePresetUp(session.name, session.input); // a bad option is refused before anything starts
  }
  const name =
    session.kind === 'preset'
      ? session.input.name!
      : session.kind === 'tunnel'
        ? session.spec.name!
        : session.input.name!;
  if (session.kind === 'tunnel' && session.spec.multiplex && checked.authenticateHere === true)
    await authenticateMaster(session.spec, sshRunner(checked.ssh).run);
  return startInBackground(name, { session, run }, checked.signal);
}

/**
 * Hands the request to a background supervisor and waits until it is ready; `signal` stops what
 * was started (the supervisor and its ssh) and rejects with ABORTED. start() and startJob() alike.
 */
export async function startInBackground(
  name: string,
  request: SuperviseRequest,
  signal: AbortSignal | undefined,
): Promise<StartedTunnel> {
  if (signal?.aborted) throw new TunnelError('ABORTED', 'cancelled before the tunnel was started');
  const [{ startDetached }, { stopTunnel }, { takeSecretReport }] = await Promise.all([
    import('../background/detach.js'),
    import('../background/stop.js'),
    import('../background/secrets.js'),
  ]);
  let stopping: Promise<unknown> | undefined;
  const onAbort = () => {
    stopping = stopTunnel(name).catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const record = await startDetached(name, request);
    if (signal?.aborted) throw new TunnelError('ABORTED', 'cancelled while the tunnel was starting');
    const report = (await takeSecretReport(name)) ?? record.preset?.report;
    return {
      name,
      tunnel: truthful(record),
      report: request.session.kind === 'tunnel' ? undefined : (report ?? { lines: [], json: {} }),
    };
  } catch (error) {
    if (!signal?.aborted) throw error;
    await (stopping ?? stopTunnel(name).catch(() => undefined));
    throw new TunnelError('ABORTED', 'cancelled while the tunnel was starting; nothing was left running');
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The tunnel (or preset) to run, named: from `tunnel`, the saved tunnel, or the preset. */
async function sessionRequestOf(options: StartOptions): Promise<SessionRequest> {
  const name = options.name === undefined ? undefined : checkName(options.name, 'name');
  if (options.saved !== undefined && options.preset !== undefined) {
    throw new TunnelError(
      'BAD_OPTION',
      'start(): pass saved or preset, not both (a saved tunnel names its own preset)',
      { field: 'preset' },
    );
  }
  const overrides = options.tunnel === undefined ? {} : checkOptions(options.tunnel, 'start: tunnel');
  if (options.saved !== undefined) {
    const { preset, presetOptions, ...saved } = await getSaved(options.saved);
    if (preset !== undefined)
      return presetSource(preset, { ...saved, ...presetOptions, ...definedOnly(overrides as TunnelOptions) }, name);
    return { kind: 'tunnel', spec: named(toSpec(await withStoredDefaults(saved, overrides as TunnelOptions)), name) };
  }
  if (options.preset !== undefined) {
    const preset = checkOptions(options.preset, 'start: preset');
    return presetSource(
      checkName(preset.name, 'preset.name'),
      { ...checkOptions(preset.input, 'start: preset.input', false), ...definedOnly(overrides as TunnelOptions) },
      name,
    );
  }
  if (options.tunnel === undefined)
    throw new TunnelError('BAD_OPTION', 'start(): pass the tunnel, a saved tunnel name (saved) or a preset', {
      field: 'tunnel',
    });
  return { kind: 'tunnel', spec: named(toSpec(overrides), name) };
}

function presetSource(preset: string, input: PresetInput, name: string | undefined): SessionRequest {
  return {
    kind: 'preset',
    name: preset,
    input: { ...input, name: name ?? input.name ?? `${preset}-${newRunId().slice(0, 6)}` },
  };
}

/** Background tunnels are found by name: an unnamed one gets a short generated name. */
function named(spec: TunnelSpec, name: string | undefined): TunnelSpec {
  return { ...spec, name: name ?? spec.name ?? `t-${newRunId().slice(0, 6)}` };
}

/** The supervisor's run options, checked, as given: the supervisor's up() applies the defaults. */
export function checkRunOptions(
  options: Pick<StartOptions, 'readyTimeoutMs' | 'maxRetries' | 'reconnect' | 'healthIntervalMs' | 'authenticateHere'>,
): SuperviseRequest['run'] {
  checkBoolean(options.authenticateHere, 'authenticateHere');
  // Retry-forever is the default: left out, since JSON would turn Infinity into null.
  const maxRetries =
    options.maxRetries === Number.POSITIVE_INFINITY
      ? undefined
      : checkInteger(options.maxRetries, 'maxRetries', 0, 1_000_000);
  return definedOnly({
    readyTimeoutMs: checkInteger(options.readyTimeoutMs, 'readyTimeoutMs', 1, 3_600_000),
    maxRetries,
    reconnect: checkBoolean(options.reconnect, 'reconnect'),
    healthIntervalMs: checkInteger(options.healthIntervalMs, 'healthIntervalMs', 0, 86_400_000),
  });
}

/** Opens the shared master as a person would (prompts allowed); the supervisor then adds its forwards to it. */
async function authenticateMaster(spec: TunnelSpec, run: RunSsh): Promise<void> {
  const { ensureMaster } = await import('../supervise/mux-attempt.js');
  const { plan } = await import('../supervise/up.js');
  const interactive = { ...spec, batchMode: false };
  const { mux } = plan(interactive);
  if (mux !== undefined) await ensureMaster(mux, interactive, run);
}
