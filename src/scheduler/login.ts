import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { planOneShot } from '../plan/one-shot.js';
import { formatHop } from '../model/hop.js';
import type { Hop } from '../model/types.js';

/** Where the scheduler's commands run: the login node (the last --via), through the hops before it. */
export interface SchedulerHost {
  via: Hop[];
  login: Hop;
  sshConfig: string | undefined;
  connectTimeout: number;
  batchMode: boolean;
  /** With --multiplex: a ControlMaster socket path, so every poll reuses one authenticated connection. */
  controlPath: string | undefined;
}

/** The ControlPath the scheduler's commands share for this route (under the state dir's cm/). */
export function schedulerControlPath(stateHome: string, host: Omit<SchedulerHost, 'controlPath'>): string {
  const route = ['sched', host.sshConfig ?? '', ...host.via.map(formatHop), formatHop(host.login)].join('\n');
  return join(stateHome, 'cm', `s-${createHash('sha256').update(route).digest('hex').slice(0, 12)}`);
}

/** One ssh that runs `script` with /bin/sh on the login node. Pure: returns argv. */
export function planLoginCommand(host: SchedulerHost, script: string): string[] {
  // The master outlives the last poll by 60 s and then closes by itself.
  const master = host.controlPath === undefined ? undefined : { controlPath: host.controlPath, persistSeconds: 60 };
  // Keepalives: a follow that waits minutes on a queue notices a dead link (a lid closed, a blackhole) in 15 s, not at its deadline.
  return planOneShot({ ...host, to: host.login }, script, {
    batchMode: host.batchMode,
    master,
    options: ['ServerAliveInterval=5', 'ServerAliveCountMax=3'],
  });
}
