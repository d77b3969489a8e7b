import { remoteShell } from '../plan/remote-shell.js';
import { badSpec } from '../errors.js';
import { destinationArgs, jumpArgs } from '../plan/destination.js';
import { formatHop } from '../model/hop.js';
import { parseRoute, type Route } from '../model/tunnel.js';
import type { TunnelOptions } from '../model/types.js';

/** Where a preset's remote commands run: the tunnel's target, through the tunnel's hops. */
export type RemoteTarget = Route;

/** The tunnel's own route rules (parseRoute), worded for a command that runs on the target. */
export function remoteTargetOf(options: TunnelOptions): RemoteTarget {
  return parseRoute(options, () => badSpec('--via', '--via: no host to run on; pass --via HOST (and --to NODE for a node behind it)'));
}

/** The target as people read it: `node (via login)`. */
export function describeTarget(target: RemoteTarget): string {
  return target.via.length === 0 ? formatHop(target.to) : `${formatHop(target.to)} (via ${target.via.map(formatHop).join(', ')})`;
}

export interface RemoteCommandOptions {
  /** -tt: the remote command gets a pty, so it is hung up when this ssh goes away. */
  tty?: boolean;
}

/**
 * A plain one-shot ssh that runs `script` with /bin/sh on the target, whatever the login
 * shell is. BatchMode: a preset never prompts halfway through. Pure: returns argv.
 */
export function planRemoteCommand(target: RemoteTarget, script: string, options: RemoteCommandOptions = {}): string[] {
  return [
    'ssh', options.tty === true ? '-tt' : '-T',
    ...(target.sshConfig === undefined ? [] : ['-F', target.sshConfig]),
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${target.connectTimeout}`,
    '-o', 'ControlMaster=no',
    '-o', 'ControlPath=none',
    ...(options.tty === true ? ['-e', 'none'] : []),
    ...jumpArgs(target.via),
    ...destinationArgs(target.to),
    remoteShell(script),
  ];
}
