import { remoteShell } from '../ssh/remote-shell.js';
import { badSpec } from '../errors.js';
import { destinationArgs, jumpArgs } from '../plan/destination.js';
import { DEFAULTS } from '../spec/defaults.js';
import { formatHop, parseHop, parseHopList } from '../spec/hop.js';
import { parseInteger } from '../spec/tunnel.js';
import { printable } from '../spec/tokens.js';
import type { Hop, TunnelOptions } from '../spec/types.js';

/** Where a preset's remote commands run: the tunnel's target, through the tunnel's hops. */
export interface RemoteTarget {
  via: Hop[];
  to: Hop;
  sshConfig: string | undefined;
  connectTimeout: number;
}

/** The same hop rules as parseTunnelSpec: --to, or else the last --via. */
export function remoteTargetOf(options: TunnelOptions): RemoteTarget {
  const via = parseHopList(options.via);
  const to = options.to === undefined ? via.pop() : parseHop(options.to, '--to');
  if (to === undefined) throw badSpec('--via', '--via: no host to run on; pass --via HOST (and --to NODE for a node behind it)');
  // The same rule as parseTunnelSpec: no control characters (they would reach ssh's argv and our one-line errors).
  if (options.sshConfig !== undefined && (options.sshConfig === '' || options.sshConfig.startsWith('-') || /[\u0000-\u001f\u007f]/.test(options.sshConfig))) {
    throw badSpec('--ssh-config', `--ssh-config '${printable(options.sshConfig)}': expected a file path`);
  }
  return {
    via,
    to,
    sshConfig: options.sshConfig,
    connectTimeout: parseInteger(options.connectTimeout, '--connect-timeout', DEFAULTS.connectTimeout, 1, 600),
  };
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
