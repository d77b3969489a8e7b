import { planOneShot } from '../plan/one-shot.js';
import { shQuote } from '../plan/quote.js';
import type { Hop } from '../model/types.js';
import { GATEWAY_REQUESTS } from './gateway.js';

export interface ProbeTarget {
  hop: Hop;
  sshConfig: string | undefined;
  connectTimeout: number;
}

/**
 * Options every probe adds to a one-shot's (BatchMode, ConnectTimeout, a connection of its own):
 * INFO so ssh reports allocated ports, and no config-file command or ExitOnForwardFailure
 * overriding ours. Host-key checking is left exactly as configured.
 */
const PROBE_OPTIONS = ['LogLevel=INFO', 'RemoteCommand=none', 'PermitLocalCommand=no', 'ExitOnForwardFailure=no'];

/** One probe: a one-shot ssh to the hop itself, with `extra` (forwards, -W) before the destination. */
function probe(target: ProbeTarget, script: string | undefined, extra: string[] = []): string[] {
  return planOneShot(
    { via: [], to: target.hop, sshConfig: target.sshConfig, connectTimeout: target.connectTimeout },
    script,
    { options: PROBE_OPTIONS, extra },
  );
}

/** Facts for the later checks; POSIX sh, GNU or BSD stat. sshd -T usually only works for root. */
export const INFO_SCRIPT = [
  'echo "user=$(id -un 2>/dev/null)"',
  'echo "home=$HOME"',
  'echo "os=$(uname -s 2>/dev/null)"',
  'echo "uid=$(id -u 2>/dev/null)"',
  'echo "homemode=$(stat -c %a "$HOME" 2>/dev/null || stat -f %Lp "$HOME" 2>/dev/null)"',
  'echo "homeowner=$(stat -c %u "$HOME" 2>/dev/null || stat -f %u "$HOME" 2>/dev/null)"',
  'if [ -d /tmp ] && [ -w /tmp ]; then echo tmp=writable; fi',
  'for s in sshd /usr/sbin/sshd /usr/local/sbin/sshd; do if command -v "$s" >/dev/null 2>&1; then "$s" -T 2>/dev/null | grep -iE "^(gatewayports|allowtcpforwarding|allowstreamlocalforwarding|streamlocalbindunlink|disableforwarding) " | sed "s/^/sshd: /"; break; fi; done',
  'true',
].join('; ');

export function loginArgv(target: ProbeTarget): string[] {
  return probe(target, INFO_SCRIPT);
}

/** The direct-tcpip channel -L and -J use, to the host's own sshd port. */
export function tcpArgv(target: ProbeTarget, port: number): string[] {
  return probe(target, undefined, ['-W', `127.0.0.1:${port}`]);
}

/**
 * Two -R ports (on `*`, then on 127.0.0.1) whose targets are a local path nobody listens on,
 * and the host's listener table from whichever tool it has.
 */
export function gatewayArgv(target: ProbeTarget, deadTarget: string): string[] {
  const forwards = GATEWAY_REQUESTS.flatMap((bind) => ['-R', `${bind}:0:${deadTarget}`]);
  const listing =
    'ss -ltn 2>/dev/null || netstat -ltn 2>/dev/null || cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; true';
  return probe(target, listing, forwards);
}

/** -R of a remote socket to our local target, and -L from a local entry to that remote socket. */
export function socketArgv(
  target: ProbeTarget,
  paths: { remote: string; localTarget: string; localEntry: string },
): string[] {
  return probe(target, 'echo ready; read x', [
    '-R',
    `${paths.remote}:${paths.localTarget}`,
    '-L',
    `${paths.localEntry}:${paths.remote}`,
  ]);
}

/** Binds the same remote path again, then removes it (only a socket we own). */
export function rebindArgv(target: ProbeTarget, paths: { remote: string; localTarget: string }): string[] {
  return probe(target, `echo rebound; ${removeScript(paths.remote)}`, ['-R', `${paths.remote}:${paths.localTarget}`]);
}

export function cleanupArgv(target: ProbeTarget, remote: string): string[] {
  return probe(target, removeScript(remote));
}

function removeScript(path: string): string {
  return `p=${shQuote(path)}; if [ -S "$p" ] && [ -O "$p" ]; then rm -f -- "$p"; fi`;
}
