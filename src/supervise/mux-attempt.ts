import { mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkSocketPath } from '../spec/socket-path.js';
import { ensurePrivateDir } from '../state/paths.js';
import { TunnelError } from '../errors.js';
import type { MuxPlan } from '../plan/mux.js';
import type { TunnelSpec } from '../spec/types.js';
import { masterPid, runControl } from '../ssh/control.js';
import { diagnose } from '../ssh/diagnose.js';
import { emptyProgress, readLine, type SshProgress } from '../ssh/progress.js';
import type { ExitInfo } from '../ssh/process.js';
import { acquireLock, releaseLock } from '../state/lock.js';
import { isProcessAlive } from '../state/process-check.js';
import type { ReadyAttempt } from './attempt.js';
import { removeLocalSocket } from './local-sockets.js';

/**
 * Adds this tunnel's forwards to the shared master (starting it if none answers). The
 * master belongs to no tunnel: stopping one tunnel cancels only its forwards, and the
 * last one out closes the master.
 */
export async function startMuxAttempt(spec: TunnelSpec, mux: MuxPlan, userId: string): Promise<ReadyAttempt> {
  const pid = await ensureMaster(mux, spec);
  const users = `${mux.controlPath}.users`;
  await mkdir(users, { recursive: true, mode: 0o700 });
  await writeFile(join(users, userId), `${process.pid}\n`, { mode: 0o600 });
  const added = await runControl(mux.forward);
  if (added.exitCode !== 0) {
    await leave(mux, userId);
    throw diagnoseControl(added.stderr, mux.forward, spec, await readMasterLog(mux));
  }
  const progress = withAllocatedPorts(spec, added.stdout);
  const watch = watchMaster(pid);
  const ended = watch.gone.then(() => new TunnelError('SSH_EXITED', `the shared connection to ${spec.to.host} (master pid ${pid}) ended`));
  let stopped: Promise<ExitInfo> | undefined;
  return {
    process: {
      pid,
      onLine: () => undefined,
      exited: ended.then(() => ({ exitCode: null, signal: null })),
      stop: () => (stopped ??= leave(mux, userId).then(() => {
        watch.cancel();
        return { exitCode: 0, signal: null };
      })),
    },
    progress: () => progress,
    ended,
  };
}

/** The running master's pid, starting (and authenticating) one if none answers; serialized by a lock. */
export async function ensureMaster(mux: MuxPlan, spec: TunnelSpec): Promise<number> {
  const dir = dirname(mux.controlPath);
  await ensurePrivateDir(dirname(dir));
  await ensurePrivateDir(dir);
  checkSocketPath(mux.controlPath, 'ControlPath (set TUNNEL_HOME to a shorter directory)');
  const lock = `${mux.controlPath}.lock`;
  await waitForLock(lock, spec.connectTimeout * 1000 * (spec.via.length + 1) + 20_000);
  try {
    const running = await masterPid(mux.check);
    if (running !== undefined) return running;
    // A master killed with SIGKILL leaves its socket; ssh -M would then silently run without multiplexing.
    await removeLocalSocket(mux.controlPath);
    await writeFile(masterLogPath(mux), '', { mode: 0o600 });
    const started = await runControl(mux.master, spec.connectTimeout * 1000 * (spec.via.length + 1) + 20_000);
    const pid = started.exitCode === 0 ? await masterPid(mux.check) : undefined;
    if (pid === undefined) throw diagnoseControl(started.stderr, mux.master, spec, await readMasterLog(mux));
    return pid;
  } finally {
    await releaseLock(lock);
  }
}

/** Tunnels starting together wait their turn: the first starts the master, the rest find it. */
async function waitForLock(lock: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await acquireLock(lock, `the shared connection ${lock}`);
    } catch (error) {
      if (!(error instanceof TunnelError && error.code === 'ALREADY_RUNNING') || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Cancels our forwards; closes the master when no live tunnel uses it any more. */
async function leave(mux: MuxPlan, userId: string): Promise<void> {
  const users = `${mux.controlPath}.users`;
  await runControl(mux.cancel, 10_000);
  await unlink(join(users, userId)).catch(() => undefined);
  const remaining = await liveUsers(users);
  if (remaining === 0) await runControl(mux.exit, 10_000);
}

async function liveUsers(dir: string): Promise<number> {
  let live = 0;
  for (const entry of await readdir(dir).catch(() => [])) {
    const pid = Number((await readFile(join(dir, entry), 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)) live += 1;
    else await unlink(join(dir, entry)).catch(() => undefined);
  }
  return live;
}

/** `gone` resolves when the master process exits (it does when its keepalives go unanswered). */
function watchMaster(pid: number): { gone: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let resolveGone: () => void = () => {};
  const gone = new Promise<void>((resolve) => (resolveGone = resolve));
  timer = setInterval(() => {
    if (isProcessAlive(pid)) return;
    clearInterval(timer);
    resolveGone();
  }, 500);
  // Deliberately not unref'd: with no ssh child of its own, this watch is what keeps a
  // multiplexed tunnel's process alive until down(), like the ssh child does otherwise.
  // Cancelling settles `gone` too: whoever waits for this attempt to end must not wait forever.
  return {
    gone,
    cancel: () => {
      clearInterval(timer);
      resolveGone();
    },
  };
}

/** `-O forward` prints one allocated port per `-R 0`, in order. */
function withAllocatedPorts(spec: TunnelSpec, stdout: string): SshProgress {
  const ports = stdout.split('\n').map((l) => l.trim()).filter((l) => /^\d+$/.test(l)).map(Number);
  const remoteForwards = spec.forwards
    .filter((f) => f.direction === 'R')
    .map((f) => ({ listen: f.listen.kind === 'tcp' ? String(f.listen.port) : f.listen.path, allocated: f.listen.kind === 'tcp' && f.listen.port === 0 ? ports.shift() : undefined }));
  return { ...emptyProgress(), session: true, remoteForwardsDone: true, remoteForwards };
}

function masterLogPath(mux: MuxPlan): string {
  return mux.master[mux.master.indexOf('-E') + 1] ?? `${mux.controlPath}.log`;
}

async function readMasterLog(mux: MuxPlan): Promise<string> {
  return readFile(masterLogPath(mux), 'utf8').catch(() => '');
}

function diagnoseControl(stderr: string, argv: string[], spec: TunnelSpec, log: string): TunnelError {
  const lines = [...log.split('\n').slice(-30), ...stderr.split('\n')];
  const progress = lines.reduce((p, line) => readLine(p, line, 'stderr'), emptyProgress());
  return diagnose(progress, { argv, exitCode: 255, signal: null, hop: spec.to.host });
}
