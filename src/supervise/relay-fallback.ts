import type { TunnelError } from '../errors.js';

/**
 * Failures that the relay strategy can fix: the target refused the laptop's key (the cluster
 * has its own), or a hop would not open the onward connection for -J. Never a host key that is
 * unknown or changed: relay would hand the check to the login node, which then also sees the
 * traffic in clear; the user must record the key (or choose --strategy relay knowingly).
 */
export function relayCanFix(error: TunnelError, viaHops: number): boolean {
  if ((error.authenticatedHops ?? 0) < viaHops) return false;
  if (error.code === 'AUTH_FAILED' || error.code === 'NEEDS_AUTH') return true;
  return (
    error.code === 'CONNECT_FAILED' && /stdio forwarding failed|channel \d+: open failed/.test(error.sshMessage ?? '')
  );
}
