import { createHash } from 'node:crypto';
import { formatForwardArg } from '../model/forward.js';
import { formatHop } from '../model/hop.js';
import type { TunnelSpec } from '../model/types.js';
import { destinationArgs, jumpArgs } from './destination.js';
import { configArgs } from './options.js';

/** The ssh commands that run tunnels through one shared ControlMaster. */
export interface MuxPlan {
  controlPath: string;
  /** Where the backgrounded master writes its messages (its -E, and the stderr of a ProxyJump child). */
  logFile: string;
  /** One file per tunnel using the master, holding that tunnel's process identity. */
  usersDir: string;
  /** Starts the master: authenticates (prompting once, on a terminal), then forks into the background. */
  master: string[];
  check: string[];
  forward: string[];
  cancel: string[];
  exit: string[];
}

/** What a tunnel holds in a shared master, and how to give it back (also after its supervisor was killed). */
export interface MuxLease {
  /** Optional only for records written before the lease named its paths. */
  controlPath?: string;
  logFile?: string;
  /** Starting the master again (what `tunnel auth` runs from a terminal, prompts allowed). */
  master: string[];
  check: string[];
  cancel: string[];
  exit: string[];
  usersDir: string;
  user: string;
}

/** Tunnels with the same config, hops and target share a master; the key names its socket. */
export function muxKey(spec: TunnelSpec): string {
  const route = [spec.sshConfig ?? '', ...spec.via.map(formatHop), formatHop(spec.to)].join('\n');
  return createHash('sha256').update(route).digest('hex').slice(0, 12);
}

/**
 * Plans master and control commands. The control path is always its own argv word (-S), never
 * inside `-o ControlPath=...`, where ssh would split a directory name holding a space.
 */
export function planMux(spec: TunnelSpec, controlDir: string): MuxPlan {
  const controlPath = `${controlDir}/${muxKey(spec)}`;
  const logFile = `${controlPath}.log`;
  const destination = destinationArgs(spec.to);
  const control = (operation: string, extra: string[] = []) => [
    'ssh',
    ...configArgs(spec),
    '-S',
    controlPath,
    '-O',
    operation,
    ...extra,
    ...destination,
  ];
  const forwards = spec.forwards.flatMap((f) => [`-${f.direction}`, formatForwardArg(f)]);
  const master = [
    'ssh',
    '-M',
    '-N',
    '-T',
    '-f',
    '-v',
    '-E',
    logFile,
    ...configArgs(spec),
    '-S',
    controlPath,
    '-o',
    'ControlPersist=no',
    '-o',
    'ExitOnForwardFailure=yes',
    '-o',
    `ServerAliveInterval=${spec.keepalive.interval}`,
    '-o',
    `ServerAliveCountMax=${spec.keepalive.count}`,
    '-o',
    `ConnectTimeout=${spec.connectTimeout}`,
    '-o',
    'StreamLocalBindUnlink=yes',
    ...(spec.batchMode ? ['-o', 'BatchMode=yes'] : []),
    ...jumpArgs(spec.via),
    ...destination,
  ];
  return {
    controlPath,
    logFile,
    usersDir: `${controlPath}.users`,
    master,
    check: control('check'),
    forward: control('forward', forwards),
    cancel: control('cancel', forwards),
    exit: control('exit'),
  };
}
