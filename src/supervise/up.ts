import { TunnelError } from '../errors.js';
import { plan as planSpec, type PlanOptions } from '../plan/index.js';
import type { Plan } from '../plan/types.js';
import { parseTunnelSpec } from '../model/tunnel.js';
import type { TunnelOptions, TunnelSpec } from '../model/types.js';
import { withRunDefaults, type RunOptions } from './defaults.js';
import { Tunnel } from './tunnel.js';
import { stateHome } from '../os/state-paths.js';
import { join } from 'node:path';

export interface UpOptions extends RunOptions {
  /** Cancels bringing the tunnel up (and takes it down if already up). */
  signal?: AbortSignal | undefined;
  /** How long a reconnect asks for a -R 0 port it had before taking a new one (default 30 s). */
  pinWaitMs?: number;
  /** Every line of ssh output and every decision (a relay fallback, a stale socket removed), from the first attempt on. */
  onLine?: (line: string) => void;
}

/** Validates options (or passes a spec through) into a TunnelSpec. */
export function toSpec(input: TunnelOptions | TunnelSpec): TunnelSpec {
  return isSpec(input) ? input : parseTunnelSpec(input);
}

function isSpec(input: TunnelOptions | TunnelSpec): input is TunnelSpec {
  return 'forwards' in input && Array.isArray(input.forwards);
}

/** The ssh invocations that would build this tunnel; runs nothing. */
export function plan(input: TunnelOptions | TunnelSpec, options: PlanOptions = {}): Plan {
  return planSpec(toSpec(input), { controlDir: defaultControlDir(), ...options });
}

/** Shared ControlMaster sockets live in the private state dir (short enough for sun_path). */
function defaultControlDir(): string {
  return join(stateHome(), 'cm');
}

/** Builds the tunnel and resolves once every forward is ready. Use `await using` or call down(). */
export async function up(input: TunnelOptions | TunnelSpec, options: UpOptions = {}): Promise<Tunnel> {
  const spec = toSpec(input);
  if (options.signal?.aborted) throw new TunnelError('ABORTED', 'cancelled before the tunnel was started');
  const controlDir = defaultControlDir();
  const tunnel = new Tunnel(planSpec(spec, { controlDir }), {
    replan: (next, strategy) => planSpec(next, { strategy, controlDir }),
    ...withRunDefaults(options),
    signal: options.signal,
    pinWaitMs: options.pinWaitMs,
  });
  if (options.onLine !== undefined) tunnel.on('line', options.onLine);
  await tunnel.start();
  // Aborted while the last steps of the start ran (the probes before 'up'): an aborted signal never fires again.
  if (options.signal?.aborted) {
    await tunnel.down();
    throw new TunnelError('ABORTED', 'cancelled while the tunnel was starting');
  }
  options.signal?.addEventListener('abort', () => void tunnel.down(), { once: true });
  return tunnel;
}
