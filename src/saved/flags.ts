import type { SavedTunnel } from './types.js';

/** The command-line flags that describe a saved tunnel, in `tunnel up` order (for display and copy-paste). */
export function savedTunnelFlags(tunnel: SavedTunnel): string[] {
  const flags: string[] = [];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined) flags.push(flag, String(value));
  };
  for (const hop of tunnel.via ?? []) add('--via', hop);
  add('--to', tunnel.to);
  for (const spec of tunnel.local ?? []) add('-L', spec);
  for (const spec of tunnel.remote ?? []) add('-R', spec);
  add('--strategy', tunnel.strategy);
  add('--keepalive', tunnel.keepalive);
  add('--keepalive-count', tunnel.keepaliveCount);
  add('--connect-timeout', tunnel.connectTimeout);
  add('-F', tunnel.sshConfig);
  if (tunnel.batchMode === true) flags.push('--batch');
  add('--preset', tunnel.preset);
  return flags;
}
