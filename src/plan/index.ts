import { randomBytes } from 'node:crypto';
import { badSpec } from '../errors.js';
import type { TunnelSpec } from '../model/types.js';
import { planRemoteUnlink, remoteListenSockets } from './cleanup.js';
import { describeForward, describeRoute } from './describe.js';
import { planJumpCommand } from './jump.js';
import { planMux } from './mux.js';
import { planRelayCommand } from './relay.js';
import type { Plan } from './types.js';

export interface PlanOptions {
  /** Names this attempt's intermediate sockets; random when omitted. */
  runId?: string;
  /** Overrides spec.strategy (auto plans jump first; the runner falls back to relay). */
  strategy?: 'jump' | 'relay';
  /** Where shared ControlMaster sockets live; needed when the spec says multiplex. */
  controlDir?: string;
}

/** Turns a spec into the exact ssh invocations that build it. Pure: runs nothing. */
export function plan(spec: TunnelSpec, options: PlanOptions = {}): Plan {
  const runId = options.runId ?? newRunId();
  const strategy = options.strategy ?? (spec.strategy === 'relay' ? 'relay' : 'jump');
  if (strategy === 'relay' && spec.via.length === 0) {
    throw badSpec('--strategy', '--strategy relay needs a relay hop: pass --via LOGIN and --to NODE');
  }
  const tunnel = strategy === 'relay' ? planRelayCommand(spec, runId) : planJumpCommand(spec);
  const mux = planMuxIfAsked(spec, options.controlDir);
  const remoteSockets = remoteListenSockets(spec);
  return {
    spec,
    strategy,
    runId,
    tunnel,
    mux,
    commands: mux === undefined ? [tunnel.argv] : [mux.master, mux.forward],
    forwards: spec.forwards.map((f) => describeForward(spec, f)),
    localSockets: spec.forwards.flatMap((f) =>
      f.direction === 'L' && f.listen.kind === 'unix' ? [f.listen.path] : [],
    ),
    remoteCleanup: remoteSockets.length === 0 ? [] : [planRemoteUnlink(spec, remoteSockets)],
    staleRemoteCleanup: remoteSockets.length === 0 ? [] : [planRemoteUnlink(spec, remoteSockets, { onlyStale: true })],
    route: describeRoute(spec),
  };
}

/** Windows' OpenSSH has no ControlMaster: there every tunnel keeps its own connection. */
function planMuxIfAsked(spec: TunnelSpec, controlDir: string | undefined) {
  if (!spec.multiplex || process.platform === 'win32') return undefined;
  if (controlDir === undefined) throw new Error('plan: a multiplexed tunnel needs options.controlDir');
  return planMux(spec, controlDir);
}

/** 12 hex characters: unguessable enough that nobody can pre-create our directories. */
export function newRunId(): string {
  return randomBytes(6).toString('hex');
}
