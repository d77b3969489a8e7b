import { formatForwardArg } from '../model/forward.js';
import { formatHop } from '../model/hop.js';
import type { TunnelSpec } from '../model/types.js';
import { destinationArgs, jumpArgs } from './destination.js';
import { baseSshOptions, configArgs } from './options.js';
import type { ReadyMarker, SshCommand } from './types.js';

/** One ssh: hops through -J, forwards on the target. Nothing is left on the hops. */
export function planJumpCommand(spec: TunnelSpec): SshCommand {
  const forwardArgs = spec.forwards.flatMap((f) => [`-${f.direction}`, formatForwardArg(f)]);
  const argv = [
    'ssh',
    '-N',
    '-T',
    '-v',
    ...configArgs(spec),
    ...baseSshOptions(spec),
    ...jumpArgs(spec.via),
    ...forwardArgs,
    ...destinationArgs(spec.to),
  ];
  return {
    role: 'tunnel',
    hop: formatHop(spec.to),
    argv,
    ready: readyMarkers(spec),
    listeners: spec.forwards.filter((f) => f.direction === 'L').length,
  };
}

function readyMarkers(spec: TunnelSpec): ReadyMarker[] {
  const hasRemote = spec.forwards.some((f) => f.direction === 'R');
  return hasRemote ? ['session', 'remote-forwards'] : ['session'];
}
