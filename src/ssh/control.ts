import { open } from 'node:fs/promises';
import { execa } from 'execa';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Killed after this long (default 30 s): a dead hop must never hang the caller. */
  timeoutMs?: number;
  /** Cancels the run (down() during a reconnect). */
  signal?: AbortSignal | undefined;
  /**
   * A file descriptor for stderr instead of a pipe. Needed for `ssh -f`: its backgrounded
   * master, and a ProxyJump `ssh -W` child, keep stderr open, so a pipe would never close.
   */
  stderrFd?: number;
  /**
   * Own session (setsid): for a backgrounded master, whose ProxyJump child would otherwise stay
   * in the caller's process group and die with it. Not for a run that must prompt on the terminal.
   */
  detached?: boolean;
}

/** Runs one ssh to completion (`-O` operations, the master's `-f` start, remote cleanup); never prompts through stdin. */
export async function runSsh(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  const common = { reject: false, timeout: options.timeoutMs ?? 30_000, cancelSignal: options.signal, stdin: 'ignore', detached: options.detached ?? false } as const;
  const result = options.stderrFd === undefined
    ? await execa(file ?? 'ssh', args, common)
    // execa passes an integer straight to the child as its fd (documented), though its types only list a few.
    : await execa(file ?? 'ssh', args, { ...common, stdout: 'ignore', stderr: options.stderrFd as unknown as 'ignore' });
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return { exitCode: result.exitCode ?? 255, stdout: text(result.stdout), stderr: text(result.stderr) };
}

/** The master's pid from `ssh -O check` ("Master running (pid=123)"), or undefined if none answers. */
export async function masterPid(checkArgv: readonly string[]): Promise<number | undefined> {
  const result = await runSsh(checkArgv, { timeoutMs: 10_000 });
  const pid = /Master running \(pid=(\d+)\)/.exec(result.stderr)?.[1];
  return result.exitCode === 0 && pid !== undefined ? Number(pid) : undefined;
}

/**
 * Starts a master with the user's terminal for prompts (/dev/tty, or SSH_ASKPASS): stdin stays
 * the terminal, and since ssh -f keeps its stdio after forking, stdout goes nowhere and stderr to
 * `logFile` (a pipe held by the backgrounded master would never close). Resolves with ssh's exit code.
 */
export async function runSshPrompting(argv: readonly string[], logFile: string, timeoutMs = 300_000): Promise<number> {
  const [file, ...args] = argv;
  const log = await open(logFile, 'a', 0o600);
  try {
    const result = await execa(file ?? 'ssh', args, { stdin: 'inherit', stdout: 'ignore', stderr: log.fd as unknown as 'ignore', reject: false, timeout: timeoutMs });
    return result.exitCode ?? 255;
  } finally {
    await log.close();
  }
}
