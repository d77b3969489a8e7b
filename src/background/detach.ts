import { spawn } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TunnelError, type ErrorCode } from '../errors.js';
import { acquireLock, alreadyRunning, readLockHolder, releaseLock, withLock } from '../os/lock.js';
import { ensurePrivateDir } from '../os/private-dir.js';
import { tunnelDir, tunnelsDir, stateHome } from '../os/state-paths.js';
import { isProcessAlive, isSameProcess } from '../os/process-identity.js';
import { readRecord, removeTunnelDir, writeRecord, type TunnelRecord } from './record.js';
import { lockPath, logPath, writeRequest, type SuperviseRequest } from './request.js';
import { readLogTail } from './logs.js';
import { withRunDefaults } from '../supervise/defaults.js';
import { stopTunnel } from './stop.js';
import { takeStopNote } from './stop-note.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/**
 * Starts a supervisor that survives the terminal (own session, no stdio), and waits
 * until it reports the tunnel ready or failed. Two starts with one name: the lock picks one.
 */
export async function startDetached(name: string, request: SuperviseRequest): Promise<TunnelRecord> {
  const dir = tunnelDir(name); // validates the name before anything is created
  await whileStarting(name, async () => {
    await clearDeadRun(name);
    await ensurePrivateDir(dir);
    await acquireLock(lockPath(name), { what: name });
    await takeStopNote(name); // left by an earlier run stopped without `down` (a systemd stop, say)
  });
  let childPid: number | undefined;
  try {
    await writeRequest(name, request);
    const log = await open(logPath(name), 'a', 0o600);
    const child = spawn(process.execPath, [CLI, '__supervise', name], {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: unattendedEnv(),
    });
    await log.close();
    child.unref();
    childPid = child.pid;
    return await waitForOutcome(name, child.pid ?? -1, withRunDefaults(request.run).readyTimeoutMs + 10_000);
  } catch (error) {
    if (childPid !== undefined && isProcessAlive(childPid)) process.kill(childPid, 'SIGKILL');
    if (!(error instanceof TunnelError && error.code === 'ALREADY_RUNNING')) {
      // Not just the directory: an ssh the dead supervisor had started is found (record, process group) and stopped.
      await stopTunnel(name).catch(() => removeTunnelDir(name));
      await releaseLock(lockPath(name));
    }
    throw error;
  }
}

/** Fails like a second `up -d --name X` would, before anything is done for X (a job submitted, say). */
export async function assertNotRunning(name: string): Promise<void> {
  tunnelDir(name); // validates the name
  const holder = await readLockHolder(lockPath(name));
  if (holder !== undefined && isSameProcess(holder)) {
    throw alreadyRunning(name, `pid ${holder.pid}`);
  }
}

/**
 * Before a job-aware `up -d --name X`, ahead of any submit: a live X is refused; a dead X is cleaned
 * as `down` would, except its job, which this run may reuse (same --name, still queued or running).
 */
export async function prepareJobRun(name: string): Promise<void> {
  await assertNotRunning(name);
  const record = await readRecord(name).catch(() => undefined);
  if (record?.job?.cancel) await writeRecord({ ...record, job: { ...record.job, cancel: null } });
  await whileStarting(name, () => clearDeadRun(name));
}

/**
 * Clearing a dead run and taking the name's lock happen under a short per-name mutex beside the
 * tunnel directories: otherwise a second `up -d X` could take the first one's fresh directory,
 * not locked yet, for a dead run's and remove it, and both would start.
 */
async function whileStarting(name: string, fn: () => Promise<void>): Promise<void> {
  await ensurePrivateDir(stateHome());
  await ensurePrivateDir(tunnelsDir());
  // Clearing a dead run may wait for its cleanup ssh (up to a minute); a dead holder is taken over at once.
  await withLock(join(tunnelsDir(), `.${name}.starting`), fn, { timeoutMs: 90_000, staleMs: 180_000 });
}

/**
 * An earlier run of this name whose supervisor died may still have ssh forwarding, an app on
 * the node, sockets: clean it exactly as `down` would. A live holder is left alone (the lock refuses).
 */
async function clearDeadRun(name: string): Promise<void> {
  const holder = await readLockHolder(lockPath(name));
  if (holder !== undefined && isSameProcess(holder)) return;
  const exists = await stat(tunnelDir(name)).then(
    () => true,
    () => false,
  );
  if (exists) await stopTunnel(name).catch(() => removeTunnelDir(name));
}

/**
 * The supervisor never asks anyone: an askpass it inherited (SSH_ASKPASS_REQUIRE=force lets ssh use
 * one even under BatchMode) would log in on its own, or pop a dialog up in a loop.
 */
function unattendedEnv(): NodeJS.ProcessEnv {
  const { SSH_ASKPASS: _askpass, SSH_ASKPASS_REQUIRE: _require, ...env } = process.env;
  return env;
}

async function waitForOutcome(name: string, pid: number, timeoutMs: number): Promise<TunnelRecord> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // Only our supervisor's record counts: one left by a dead earlier run may still say "up".
    const record = await readRecord(name).then(
      (r) => (r?.supervisorPid === pid ? r : undefined),
      () => undefined,
    );
    if (record?.state === 'up' || record?.state === 'degraded') return record;
    if (record?.state === 'failed' || record?.state === 'needs-auth') {
      const code = (record.lastError?.code ?? 'SSH_EXITED') as ErrorCode;
      throw new TunnelError(code, record.lastError?.message ?? 'the tunnel failed to start');
    }
    if (!isProcessAlive(pid)) {
      throw new TunnelError(
        'SSH_EXITED',
        `the supervisor exited before the tunnel was ready: ${await readLogTail(name)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new TunnelError(
    'READY_TIMEOUT',
    `not ready after ${Math.round(timeoutMs / 1000)} s; see 'tunnel logs ${name}'`,
  );
}
