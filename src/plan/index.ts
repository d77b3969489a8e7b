import { randomBytes } from 'node:crypto';
import { badSpec } from '../errors.js';
import type { TunnelSpec } from '../spec/types.js';
import { planRemoteUnlink, remoteListenSockets } from './cleanup.js';
import { describeForward, describeRoute } from './describe.js';
import { planJumpCommand } from './jump.js';
import { planRelayCommand } from './relay.js';
import type { Plan } from './types.js';

export interface PlanOptions {
  /** Names this attempt's intermediate sockets; random when omitted. */
  runId?: string;
  /** Overrides spec.strategy (auto plans jump first; the runner falls back to relay). */
  strategy?: 'jump' | 'relay';
}

/** Turns a spec into the exact ssh invocations that build it. Pure: runs nothing. */
export function plan(spec: TunnelSpec, options: PlanOptions = {}): Plan {
  const runId = options.runId ?? newRunId();
  const strategy = options.strategy ?? (spec.strategy === 'relay' ? 'relay' : 'jump');
  if (strategy === 'relay' && spec.via.length === 0) {
    throw badSpec('--strategy', '--strategy relay needs a relay hop: pass --via LOGIN and --to NODE');
  }
  const tunnel = strategy === 'relay' ? planRelayCommand(spec, runId) : planJumpCommand(spec);
  const remoteSockets = remoteListenSockets(spec);
  return {
    strategy,
    runId,
    tunnel,
    forwards: spec.forwards.map((f) => describeForward(spec, f)),
    localSockets: spec.forwards.flatMap((f) => (f.direction === 'L' && f.listen.kind === 'unix' ? [f.listen.path] : [])),
    remoteCleanup: remoteSockets.length === 0 ? [] : [planRemoteUnlink(spec, remoteSockets)],
    staleRemoteCleanup: remoteSockets.length === 0 ? [] : [planRemoteUnlink(spec, remoteSockets, { onlyStale: true })],
    route: describeRoute(spec),
  };
}

/** 12 hex characters: unguessable enough that nobody can pre-create our directories. */
export function newRunId(): string {
  return randomBytes(6).toString('hex');
}
