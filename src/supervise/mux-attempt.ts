import { mkdir, open, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkSocketPath } from '../model/socket-path.js';
import { escapeControls } from '../model/tokens.js';
import { ensurePrivateDir } from '../os/private-dir.js';
import { TunnelError } from '../errors.js';
import type { MuxLease, MuxPlan } from '../plan/mux.js';
import type { TunnelSpec } from '../model/types.js';
import { masterPid } from '../ssh/control.js';
import type { RunSsh } from '../ssh/run.js';
import { diagnose } from '../ssh/diagnose.js';
import { emptyProgress, readLine, type SshProgress } from '../ssh/progress.js';
import type { ExitInfo } from '../ssh/process.js';
import { acquireLock, formatLock, parseLock, releaseLock } from '../os/lock.js';
import { identifyProcess, isProcessAlive, isSameProcess } from '../os/process-identity.js';
import type { ReadyAttempt } from './attempt.js';
import { removeLocalSocket } from './local-sockets.js';

/** The lease a tunnel takes in the shared master; `user` is constant across reconnects so it counts once. */
export function leaseOf(mux: MuxPlan, user: string): MuxLease {
  return {
    controlPath: mux.controlPath,
    logFile: mux.logFile,
    master: mux.master,
    check: mux.check,
    cancel: mux.cancel,
    exit: mux.exit,
    usersDir: mux.usersDir,
    user,
  };
}

/**
 * Adds this tunnel's forwards to the shared master (starting it if none answers). The
 * master belongs to no tunnel: stopping one tunnel cancels only its forwards, and the
 * last one out closes the master.
 */
export async function startMuxAttempt(
  spec: TunnelSpec,
  mux: MuxPlan,
  user: string,
  run: RunSsh,
  signal?: AbortSignal,
): Promise<ReadyAttempt> {
  const lease = leaseOf(mux, user);
  const pid = await ensureMaster(mux, spec, run, signal);
  await mkdir(mux.usersDir, { recursive: true, mode: 0o700 });
  await writeFile(join(mux.usersDir, user), formatLock(identifyProcess() ?? { pid: process.pid }), { mode: 0o600 });
  const added = await run(mux.forward, { signal });
  if (added.exitCode !== 0 || signal?.aborted) {
    await leaveMaster(lease, run);
    if (signal?.aborted) throw new TunnelError('ABORTED', 'stopped before the tunnel was ready');
    throw diagnoseControl(added.stderr, mux.forward, spec, await readMasterLog(mux));
  }
  const progress = withAllocatedPorts(spec, added.stdout);
  const watch = watchMaster(pid);
  const ended = watch.gone.then(
    () => new TunnelError('SSH_EXITED', `the shared connection to ${spec.to.host} (master pid ${pid}) ended`),
  );
  let stopped: Promise<ExitInfo> | undefined;
  return {
    process: {
      pid,
      onLine: () => undefined,
      exited: ended.then(() => ({ exitCode: null, signal: null })),
      stop: () =>
        (stopped ??= leaveMaster(lease, run).then(() => {
          watch.cancel();
          return { exitCode: 0, signal: null };
        })),
    },
    progress: () => progress,
    ended,
  };
}

/** The running master's pid, starting (and authenticating) one if none answers; serialized by a lock. */
export async function ensureMaster(mux: MuxPlan, spec: TunnelSpec, run: RunSsh, signal?: AbortSignal): Promise<number> {
  const dir = dirname(mux.controlPath);
  await ensurePrivateDir(dirname(dir));
  await ensurePrivateDir(dir);
  checkSocketPath(mux.controlPath, 'ControlPath (set TUNNEL_HOME to a shorter directory)');
  const lock = `${mux.controlPath}.lock`;
  const startMs = spec.connectTimeout * 1000 * (spec.via.length + 1) + 20_000;
  // Tunnels starting together wait their turn: the first starts the master, the rest find it.
  await acquireLock(lock, { waitMs: startMs });
  try {
    const running = await masterPid(mux.check, run);
    if (running !== undefined) return running;
    // A master killed with SIGKILL leaves its socket; ssh -M would then silently run without multiplexing.
    await removeLocalSocket(mux.controlPath);
    // Appending, like the master's own -E, so neither writer overwrites the other; each start is marked.
    const log = await open(mux.logFile, 'a', 0o600);
    await log.write(`--- ${new Date().toISOString()} starting the shared connection\n`);
    let started;
    try {
      started = await run(mux.master, { timeoutMs: startMs, signal, stderrFd: log.fd, detached: spec.batchMode });
    } finally {
      await log.close();
    }
    const pid = started.exitCode === 0 ? await masterPid(mux.check, run) : undefined;
    if (pid === undefined) throw diagnoseControl('', mux.master, spec, await readMasterLog(mux));
    return pid;
  } finally {
    await releaseLock(lock);
  }
}

/** Cancels the lease's forwards; closes the master when no live tunnel uses it any more. */
export async function leaveMaster(lease: MuxLease, run: RunSsh): Promise<void> {
  await run(lease.cancel, { timeoutMs: 10_000 });
  await unlink(join(lease.usersDir, lease.user)).catch(() => undefined);
  if ((await liveUsers(lease.usersDir)) === 0) await run(lease.exit, { timeoutMs: 10_000 });
}

/** Users whose process still runs; files of dead ones (a recycled pid included) are removed. */
async function liveUsers(dir: string): Promise<number> {
  let live = 0;
  for (const entry of await readdir(dir).catch(() => [])) {
    const owner = parseLock(await readFile(join(dir, entry), 'utf8').catch(() => ''));
    if (owner !== undefined && isSameProcess(owner)) live += 1;
    else await unlink(join(dir, entry)).catch(() => undefined);
  }
  return live;
}

/** `gone` resolves when the master process exits (it does when its keepalives go unanswered). */
function watchMaster(pid: number): { gone: Promise<void>; cancel: () => void } {
  let resolveGone: () => void = () => {};
  const gone = new Promise<void>((resolve) => (resolveGone = resolve));
  const timer = setInterval(() => {
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
  const ports = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
  const remoteForwards = spec.forwards
    .filter((f) => f.direction === 'R')
    .map((f) => ({
      listen: f.listen.kind === 'tcp' ? String(f.listen.port) : f.listen.path,
      allocated: f.listen.kind === 'tcp' && f.listen.port === 0 ? ports.shift() : undefined,
    }));
  return { ...emptyProgress(), session: true, remoteForwardsDone: true, remoteForwards };
}

async function readMasterLog(mux: MuxPlan): Promise<string> {
  return escapeControls(await readFile(mux.logFile, 'utf8').catch(() => ''));
}

function diagnoseControl(stderr: string, argv: string[], spec: TunnelSpec, log: string): TunnelError {
  const lines = [...log.split('\n').slice(-30), ...stderr.split('\n')];
  const progress = lines.reduce((p, line) => readLine(p, line, 'stderr'), emptyProgress());
  return diagnose(progress, { argv, exitCode: 255, signal: null, hop: spec.to.host });
}
