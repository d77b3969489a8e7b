import { execa } from 'execa';
import type { Plan } from '../plan/types.js';
import { removeLocalSocket } from './local-sockets.js';

/**
 * Removes what the tunnel left: local socket files (ssh never unlinks them) and, over a
 * short-lived ssh, the -R sockets on the target (the server never unlinks them either).
 * Bounded: a dead hop must not hang teardown.
 */
export async function teardown(plan: Plan, options: { remoteOnly: boolean; timeoutMs?: number }): Promise<void> {
  if (!options.remoteOnly) await Promise.all(plan.localSockets.map(removeLocalSocket));
  for (const command of plan.remoteCleanup) {
    const [file, ...args] = command.argv;
    if (file === undefined) continue;
    await execa(file, args, { reject: false, timeout: options.timeoutMs ?? 15_000, stdin: 'ignore' });
  }
}
