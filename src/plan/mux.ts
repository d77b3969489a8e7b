import { createHash } from 'node:crypto';
import { formatForwardArg } from '../spec/forward.js';
import { formatHop } from '../spec/hop.js';
import type { TunnelSpec } from '../spec/types.js';
import { destinationArgs, jumpArgs } from './destination.js';
import { configArgs } from './options.js';

/** The ssh commands that run tunnels through one shared ControlMaster. */
export interface MuxPlan {
  controlPath: string;
  /** Starts the master: authenticates (prompting once, on a terminal), then forks into the background. */
  master: string[];
  check: string[];
  forward: string[];
  cancel: string[];
  exit: string[];
}

/** Tunnels with the same config, hops and target share a master; the key names its socket. */
export function muxKey(spec: TunnelSpec): string {
  const route = [spec.sshConfig ?? '', ...spec.via.map(formatHop), formatHop(spec.to)].join('\n');
  return createHash('sha256').update(route).digest('hex').slice(0, 12);
}

/** Plans master and control commands; `logFile` takes the master's messages once it is in the background. */
export function planMux(spec: TunnelSpec, controlDir: string, logFile: string): MuxPlan {
  const controlPath = `${controlDir}/${muxKey(spec)}`;
  const destination = destinationArgs(spec.to);
  const control = (operation: string, extra: string[] = []) =>
    ['ssh', ...configArgs(spec), '-S', controlPath, '-O', operation, ...extra, ...destination];
  const forwards = spec.forwards.flatMap((f) => [`-${f.direction}`, formatForwardArg(f)]);
  const master = [
    'ssh', '-M', '-N', '-T', '-f', '-v', '-E', logFile,
    ...configArgs(spec),
    '-o', `ControlPath=${controlPath}`,
    '-o', 'ControlPersist=no',
    '-o', 'ExitOnForwardFailure=yes',
    '-o', `ServerAliveInterval=${spec.keepalive.interval}`,
    '-o', `ServerAliveCountMax=${spec.keepalive.count}`,
    '-o', `ConnectTimeout=${spec.connectTimeout}`,
    '-o', 'StreamLocalBindUnlink=yes',
    ...(spec.batchMode ? ['-o', 'BatchMode=yes'] : []),
    ...jumpArgs(spec.via),
    ...destination,
  ];
  return {
    controlPath,
    master,
    check: control('check'),
    forward: control('forward', forwards),
    cancel: control('cancel', forwards),
    exit: control('exit'),
  };
}
