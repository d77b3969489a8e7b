import type { TunnelSpec } from '../spec/types.js';
import { formatHop } from '../spec/hop.js';
import { configArgs } from './options.js';
import { destinationArgs, jumpArgs } from './destination.js';
import { shQuote } from './quote.js';
import type { SshCommand } from './types.js';

/** Remote sockets the tunnel binds on the target: -R listeners that are socket paths. */
export function remoteListenSockets(spec: TunnelSpec): string[] {
  return spec.forwards.flatMap((f) => (f.direction === 'R' && f.listen.kind === 'unix' ? [f.listen.path] : []));
}

/**
 * A one-shot ssh that removes the given sockets on the target, but only those the
 * remote user owns, so a socket of someone else is never unlinked.
 */
export function planRemoteUnlink(spec: TunnelSpec, paths: readonly string[]): SshCommand {
  const script = `for p in ${paths.map(shQuote).join(' ')}; do if [ -S "$p" ] && [ -O "$p" ]; then rm -f -- "$p"; fi; done`;
  const argv = [
    'ssh', '-T',
    ...configArgs(spec),
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${spec.connectTimeout}`,
    '-o', 'ControlMaster=no',
    '-o', 'ControlPath=none',
    ...jumpArgs(spec.via),
    ...destinationArgs(spec.to),
    `exec /bin/sh -c ${shQuote(script)}`,
  ];
  return { role: 'cleanup', hop: formatHop(spec.to), argv, ready: [], listeners: 0 };
}
