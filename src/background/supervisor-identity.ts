import { isSameProcess, processArgv, type ProcessIdentity } from '../os/process-identity.js';

/** True while the very supervisor a record names still runs (not a recycled pid, not another program). */
export function isOurSupervisor(identity: ProcessIdentity): boolean {
  return (
    isSameProcess(identity) && (processArgv(identity.pid)?.includes('__supervise') ?? process.platform !== 'linux')
  );
}
