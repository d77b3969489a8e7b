import type { TunnelError } from '../errors.js';

/**
 * Failures that the relay strategy can fix: the target refused the laptop's key or host
 * key (the cluster has its own), or a hop would not open the onward connection for -J.
 */
export function relayCanFix(error: TunnelError, viaHops: number): boolean {
  if ((error.authenticatedHops ?? 0) < viaHops) return false;
  if (error.code === 'AUTH_FAILED' || error.code === 'HOST_KEY_UNKNOWN' || error.code === 'NEEDS_AUTH') return true;
  return error.code === 'CONNECT_FAILED' && /stdio forwarding failed|channel \d+: open failed/.test(error.sshMessage ?? '');
}
