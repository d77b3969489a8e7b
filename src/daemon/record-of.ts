import type { TunnelRecord } from '../state/record.js';
import type { Tunnel } from '../supervise/tunnel.js';

/** Snapshot of a live Tunnel as the record `ls` and `down` read. */
export function recordOf(tunnel: Tunnel, name: string): TunnelRecord {
  const { plan } = tunnel;
  return {
    name,
    supervisorPid: process.pid,
    state: tunnel.state,
    strategy: plan.strategy,
    route: plan.route,
    forwards: tunnel.forwards(),
    sshPids: tunnel.pids(),
    localSockets: plan.localSockets,
    remoteCleanup: plan.remoteCleanup.map((c) => c.argv),
    releaseCommands: tunnel.releaseCommands(),
    commands: tunnel.mux === undefined ? [plan.tunnel.argv] : [tunnel.mux.master, tunnel.mux.forward],
    startedAt: tunnel.startedAt.toISOString(),
    upSince: tunnel.upSince?.toISOString(),
    updatedAt: new Date().toISOString(),
    restarts: tunnel.restarts,
    lastError: tunnel.lastError === undefined ? undefined : { code: tunnel.lastError.code, message: tunnel.lastError.message },
  };
}
