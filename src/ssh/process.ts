import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { escapeControls } from '../model/tokens.js';
import { descendantsOf, identifyProcess, orphanedJumpChildren } from '../os/process-identity.js';
import type { Stream } from './progress.js';

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export interface ExitInfo {
  exitCode: number | null;
  signal: string | null;
  /** The program could not be started at all (ENOENT: no ssh on PATH). */
  notFound?: boolean;
}

/** A running ssh, seen only through its lines and its exit. */
export interface SshProcess {
  readonly pid: number | undefined;
  onLine(listener: (line: string, stream: Stream) => void): void;
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

export interface SpawnOptions {
  /** Keep stdin an open pipe (a relay's -tt session ends when stdin closes). */
  keepStdinOpen?: boolean;
}

/** Starts a process; injectable so tests can check argv and lifecycle without a network. */
export type SpawnSsh = (argv: readonly string[], options?: SpawnOptions) => SshProcess;

/** The real spawner: execa, no shell, the child dies with us. */
export const spawnSsh: SpawnSsh = (argv, options = {}) => {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('spawnSsh: empty argv');
  const child = execa(file, args, {
    stdin: options.keepStdinOpen ? 'pipe' : 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    cleanup: true,
    windowsHide: true,
  });
  const listeners: Array<(line: string, stream: Stream) => void> = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const source = child[stream];
    if (source === null) continue;
    // Escaped once, here: every reader (readiness, diagnosis, logs, LAST ERROR) gets terminal-safe text.
    createInterface({ input: source, crlfDelay: Infinity }).on('line', (raw) => {
      const line = escapeControls(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
      for (const listener of listeners) listener(line, stream);
    });
  }
  const processExit = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const exited: Promise<ExitInfo> = child.then(
    (result) => ({
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      notFound: (result as { code?: string }).code === 'ENOENT',
    }),
    () => ({ exitCode: null, signal: null }),
  );
  return {
    pid: child.pid,
    onLine: (listener) => void listeners.push(listener),
    exited,
    stop: async (graceMs = 2000) => {
      // The tree, not just ssh: its ProxyJump child outlives an ssh killed mid-handshake.
      const pid = child.pid;
      const started = pid === undefined ? undefined : identifyProcess(pid)?.start;
      const signalAll = (signal: NodeJS.Signals) => {
        const tree = pid === undefined ? [] : descendantsOf(pid);
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        for (const each of tree) signalQuietly(each, signal);
      };
      signalAll('SIGTERM');
      const timer = setTimeout(() => signalAll('SIGKILL'), graceMs);
      try {
        await processExit;
        // A ProxyJump child forked after the signal was sent is now an orphan holding our pipes.
        for (const orphan of orphanedJumpChildren(started)) signalQuietly(orphan, 'SIGKILL');
        // Its last lines may still be in the pipes; do not wait on them for ever.
        return await Promise.race([
          exited,
          new Promise<ExitInfo>((resolve) => setTimeout(() => resolve(exitInfoOf(child)), 500)),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
};

function exitInfoOf(child: { exitCode: number | null; signalCode: NodeJS.Signals | null }): ExitInfo {
  return { exitCode: child.exitCode, signal: child.signalCode };
}
