import { isSameProcess, processArgv, type ProcessIdentity } from '../state/process-check.js';

/** The environment variable every ssh of a supervisor carries: after a SIGKILL, `down` tells our ssh from a stranger's by it. */
export const SUPERVISOR_MARK = 'TUNNEL_SUPERVISOR';

export function supervisorMark(identity: ProcessIdentity): string {
  return `${identity.pid}:${identity.start ?? '-'}`;
}

/** True while the very supervisor a record names still runs (not a recycled pid, not another program). */
export function isOurSupervisor(identity: ProcessIdentity): boolean {
  return isSameProcess(identity) && (processArgv(identity.pid)?.includes('__supervise') ?? process.platform !== 'linux');
}
