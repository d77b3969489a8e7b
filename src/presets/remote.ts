import { badSpec } from '../errors.js';
import { planOneShot } from '../plan/one-shot.js';
import { formatHop } from '../model/hop.js';
import { parseRoute, type Route } from '../model/tunnel.js';
import type { TunnelOptions } from '../model/types.js';

/** Where a preset's remote commands run: the tunnel's target, through the tunnel's hops. */
export type RemoteTarget = Route;

/** The tunnel's own route rules (parseRoute), worded for a command that runs on the target. */
export function remoteTargetOf(options: TunnelOptions): RemoteTarget {
  return parseRoute(options, () =>
    badSpec('--via', '--via: no host to run on; pass --via HOST (and --to NODE for a node behind it)'),
  );
}

/** The target as people read it: `node (via login)`. */
export function describeTarget(target: RemoteTarget): string {
  return target.via.length === 0
    ? formatHop(target.to)
    : `${formatHop(target.to)} (via ${target.via.map(formatHop).join(', ')})`;
}

/**
 * A plain one-shot ssh that runs `script` with /bin/sh on the target, whatever the login
 * shell is. BatchMode: a preset never prompts halfway through. Pure: returns argv.
 */
export function planRemoteCommand(target: RemoteTarget, script: string, options: { tty?: boolean } = {}): string[] {
  return planOneShot(target, script, options);
}
