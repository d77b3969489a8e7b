import { TunnelError } from '../errors.js';
import type { MuxLease } from '../plan/mux.js';
import { masterPid, runSshPrompting } from '../ssh/control.js';
import type { RunSsh } from '../ssh/run.js';
import { sshRunner } from '../ssh/runner.js';
import { acquireLock, releaseLock } from '../os/lock.js';
import { readRecord, type TunnelRecord } from './record.js';
import { removeLocalSocket } from '../supervise/local-sockets.js';
import { isOurSupervisor } from './supervisor-identity.js';

export interface AuthOptions {
  /** Runner for the master's start and checks (default: the system's OpenSSH). */
  run?: RunSsh;
  /** How long to wait for the supervisor to report the tunnel up again (default 30 s). */
  timeoutMs?: number;
}

/**
 * Re-authenticates a background tunnel's shared connection from this terminal (prompts for a
 * password or one-time code work here), then hands it to the supervisor (SIGUSR1), which
 * resumes without restarting anything else. Resolves with the record once it is up again.
 */
export async function reauthenticate(name: string, options: AuthOptions = {}): Promise<TunnelRecord> {
  const record = await readRecord(name);
  if (record === undefined) throw new TunnelError('NOT_FOUND', `no tunnel named '${name}'; see 'tunnel ls'`);
  const supervisor = record.supervisor ?? { pid: record.supervisorPid };
  if (!isOurSupervisor(supervisor))
    throw new TunnelError(
      'NOT_FOUND',
      `tunnel '${name}' is not running (its supervisor is gone); start it again with 'tunnel up'`,
    );
  const lease = record.muxLease;
  if (lease === undefined) {
    throw new TunnelError(
      'BAD_OPTION',
      `tunnel '${name}' has its own connection, which a login typed here cannot reach; start it from a terminal with --multiplex to share one`,
      { field: 'name' },
    );
  }
  const { run } = sshRunner({ run: options.run });
  if ((await masterPid(lease.check, run)) === undefined) await startMasterHere(lease, run);
  process.kill(supervisor.pid, 'SIGUSR1');
  return waitUntilUp(name, options.timeoutMs ?? 30_000);
}

/** Runs the lease's master with this terminal, without BatchMode, under the master's own lock. */
async function startMasterHere(lease: MuxLease, run: RunSsh): Promise<void> {
  // Records written before the lease named its paths: read them from the master's argv.
  const controlPath = lease.controlPath ?? lease.master[lease.master.indexOf('-S') + 1];
  if (controlPath === undefined)
    throw new TunnelError(
      'STATE_CORRUPT',
      'the shared connection in the record names no control socket; run tunnel down and up again',
    );
  const lock = `${controlPath}.lock`;
  await acquireLock(lock, { waitMs: 30_000 });
  try {
    if ((await masterPid(lease.check, run)) !== undefined) return; // the supervisor got there first
    await removeLocalSocket(controlPath);
    const log = lease.logFile ?? lease.master[lease.master.indexOf('-E') + 1] ?? `${controlPath}.log`;
    const exitCode = await runSshPrompting(withoutBatchMode(lease.master), log, { run });
    if (exitCode !== 0 || (await masterPid(lease.check, run)) === undefined) {
      throw new TunnelError(
        'NEEDS_AUTH',
        `the login did not succeed (ssh exited ${String(exitCode)}); see ${log}, then run tunnel auth again`,
      );
    }
  } finally {
    await releaseLock(lock);
  }
}

/** The argv with BatchMode off (even if ssh_config turns it on): here a person can answer the prompts. */
export function withoutBatchMode(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '-o' && /^BatchMode=yes$/i.test(argv[i + 1] ?? '')) i += 1;
    else out.push(argv[i]!);
  }
  return [out[0] ?? 'ssh', '-o', 'BatchMode=no', ...out.slice(1)];
}

async function waitUntilUp(name: string, timeoutMs: number): Promise<TunnelRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await readRecord(name).catch(() => undefined);
    if (record?.state === 'up' || record?.state === 'degraded') return record;
    if (Date.now() > deadline) {
      throw new TunnelError(
        'READY_TIMEOUT',
        `tunnel '${name}' is ${record?.state ?? 'gone'} ${Math.round(timeoutMs / 1000)} s after the login; see 'tunnel logs ${name}'`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
