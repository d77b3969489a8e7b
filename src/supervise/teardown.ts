import { LIVE_SOCKET_MARKER } from '../plan/cleanup.js';
import type { Plan } from '../plan/types.js';
import type { RunSsh } from '../ssh/run.js';
import { removeLocalSocket } from './local-sockets.js';

export interface TeardownOptions {
  /** Leave local socket files (a reconnect reuses them); run only the remote cleanup. */
  remoteOnly: boolean;
  /** Per remote command (default 15 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  run: RunSsh;
}

/**
 * Removes what the tunnel left: local socket files (ssh never unlinks them) and, over a
 * short-lived ssh, the -R sockets on the target (the server never unlinks them either).
 * Bounded, since a dead hop must not hang teardown; cancellable, for down() during a reconnect.
 */
export async function teardown(
  plan: Pick<Plan, 'localSockets'> & { remoteCleanup: ReadonlyArray<{ argv: readonly string[] }> },
  options: TeardownOptions,
): Promise<void> {
  if (!options.remoteOnly) await Promise.all(plan.localSockets.map(removeLocalSocket));
  for (const command of plan.remoteCleanup) {
    if (options.signal?.aborted) return;
    await options.run(command.argv, { timeoutMs: options.timeoutMs ?? 15_000, signal: options.signal });
  }
}

/** Runs the plan's stale-only cleanup on the target; returns the socket paths found live (kept). */
export async function removeStaleRemoteSockets(
  plan: Pick<Plan, 'staleRemoteCleanup'>,
  run: RunSsh,
  signal?: AbortSignal,
): Promise<string[]> {
  const live: string[] = [];
  for (const command of plan.staleRemoteCleanup) {
    const result = await run(command.argv, { timeoutMs: 15_000, signal });
    for (const line of result.stdout.split('\n')) {
      if (line.startsWith(`${LIVE_SOCKET_MARKER} `)) live.push(line.slice(LIVE_SOCKET_MARKER.length + 1));
    }
  }
  return live;
}
