import type { PlannedForward } from '../plan/types.js';
import type { SshProgress } from '../ssh/progress.js';

export type TunnelState = 'starting' | 'up' | 'degraded' | 'reconnecting' | 'needs-auth' | 'failed' | 'down';

/** A forward as it stands now: what listens where, with the port OpenSSH allocated for `-R 0`. */
export interface ForwardStatus {
  direction: 'L' | 'R';
  listen: string;
  target: string;
  allocatedPort?: number;
  health?: 'ok' | 'unreachable' | 'unknown';
}

/** Pairs planned forwards with what OpenSSH reported (remote replies arrive in request order). */
export function forwardStatuses(
  forwards: readonly PlannedForward[],
  progress: SshProgress | undefined,
): ForwardStatus[] {
  let remoteIndex = 0;
  return forwards.map(({ forward, listen, target }) => {
    const status: ForwardStatus = { direction: forward.direction, listen, target };
    if (forward.direction !== 'R') return status;
    const allocated = progress?.remoteForwards[remoteIndex]?.allocated;
    remoteIndex += 1;
    if (allocated === undefined) return status;
    return { ...status, allocatedPort: allocated, listen: listen.replace(/:0 on /, `:${allocated} on `) };
  });
}
