import { identifyProcess, type ProcessIdentity } from '../os/process-identity.js';
import type { TunnelRecord } from './record.js';
import type { Tunnel } from '../supervise/tunnel.js';

/** Snapshot of a live Tunnel as the record `ls` and `down` read; `ssh` names every ssh the supervisor runs now. */
export function recordOf(tunnel: Tunnel, name: string, ssh: readonly ProcessIdentity[]): TunnelRecord {
  const { plan } = tunnel;
  const lease = tunnel.muxLease();
  return {
    name,
    supervisorPid: process.pid,
    supervisor: identifyProcess() ?? { pid: process.pid },
    state: tunnel.state,
    strategy: plan.strategy,
    route: plan.route,
    forwards: tunnel.forwards(),
    sshPids: tunnel.pids(),
    sshProcesses: [...ssh],
    localSockets: plan.localSockets,
    remoteCleanup: plan.remoteCleanup.map((c) => c.argv),
    ...(lease === undefined ? {} : { muxLease: lease }),
    commands: plan.commands,
    startedAt: tunnel.startedAt.toISOString(),
    upSince: tunnel.upSince?.toISOString(),
    updatedAt: new Date().toISOString(),
    restarts: tunnel.restarts,
    lastError:
      tunnel.lastError === undefined ? undefined : { code: tunnel.lastError.code, message: tunnel.lastError.message },
  };
}
