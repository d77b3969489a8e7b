import type { TunnelSpec } from '../model/types.js';
import { formatHop } from '../model/hop.js';
import { planOneShot } from './one-shot.js';
import { shQuote } from './quote.js';
import type { SshCommand } from './types.js';

/** Remote sockets the tunnel binds on the target: -R listeners that are socket paths. */
export function remoteListenSockets(spec: TunnelSpec): string[] {
  return spec.forwards.flatMap((f) => (f.direction === 'R' && f.listen.kind === 'unix' ? [f.listen.path] : []));
}

/** The marker the stale-only cleanup prints for a socket something still listens on. */
export const LIVE_SOCKET_MARKER = 'tunnel-socket-live';

/**
 * `live PATH` succeeds when something accepts connections on the socket, or when the target
 * has no tool to tell (then it is left alone): python3, else perl, both common on clusters.
 */
const LIVE_FN =
  'live() { if command -v python3 >/dev/null 2>&1; then python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sys.argv[1])" "$1" 2>/dev/null; ' +
  'elif command -v perl >/dev/null 2>&1; then perl -MIO::Socket::UNIX -e "exit(IO::Socket::UNIX->new(Peer => shift) ? 0 : 1)" "$1" 2>/dev/null; else return 0; fi; }';

/**
 * A one-shot ssh that removes the given sockets on the target, but only those the remote user
 * owns, so a socket of someone else is never unlinked. With `onlyStale`, a socket that still
 * accepts connections (another tunnel's, or a live app's) is kept and reported instead.
 */
export function planRemoteUnlink(
  spec: TunnelSpec,
  paths: readonly string[],
  options: { onlyStale?: boolean } = {},
): SshCommand {
  const remove = options.onlyStale
    ? `if live "$p"; then echo "${LIVE_SOCKET_MARKER} $p"; else rm -f -- "$p"; fi`
    : 'rm -f -- "$p"';
  const loop = `for p in ${paths.map(shQuote).join(' ')}; do if [ -S "$p" ] && [ -O "$p" ]; then ${remove}; fi; done`;
  const script = options.onlyStale ? `${LIVE_FN}; ${loop}` : loop;
  const argv = planOneShot(spec, script);
  return { role: 'cleanup', hop: formatHop(spec.to), argv, ready: [], listeners: 0 };
}
