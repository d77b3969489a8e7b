import { LIVE_SOCKET_MARKER } from '../plan/cleanup.js';
import type { Plan } from '../plan/types.js';
import { runSsh } from '../ssh/control.js';
import { removeLocalSocket } from './local-sockets.js';

/**
 * Removes what the tunnel left: local socket files (ssh never unlinks them) and, over a
 * short-lived ssh, the -R sockets on the target (the server never unlinks them either).
 * Bounded, since a dead hop must not hang teardown; cancellable, for down() during a reconnect.
 */
export async function teardown(plan: Pick<Plan, 'localSockets'> & { remoteCleanup: ReadonlyArray<{ argv: readonly string[] }> }, options: { remoteOnly: boolean; timeoutMs?: number; signal?: AbortSignal }): Promise<void> {
  if (!options.remoteOnly) await Promise.all(plan.localSockets.map(removeLocalSocket));
  for (const command of plan.remoteCleanup) {
    if (options.signal?.aborted) return;
    await runSsh(command.argv, { timeoutMs: options.timeoutMs ?? 15_000, signal: options.signal });
  }
}

/** Runs the plan's stale-only cleanup on the target; returns the socket paths found live (kept). */
export async function removeStaleRemoteSockets(plan: Plan, signal?: AbortSignal): Promise<string[]> {
  const live: string[] = [];
  for (const command of plan.staleRemoteCleanup) {
    const result = await runSsh(command.argv, { timeoutMs: 15_000, signal });
    for (const line of result.stdout.split('\n')) {
      if (line.startsWith(`${LIVE_SOCKET_MARKER} `)) live.push(line.slice(LIVE_SOCKET_MARKER.length + 1));
    }
  }
  return live;
}
