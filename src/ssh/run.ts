import { createInterface } from 'node:readline';
import { execa } from 'execa';

/** What one run of an OpenSSH program (ssh, ssh-add) gave. */
export interface SshResult {
  /** null when it did not exit by itself: killed at the deadline, cancelled, signalled, or never started. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  signal?: string | null;
  /** The program could not be started at all (ENOENT: not on PATH). */
  notFound?: boolean;
}

export interface RunSshOptions {
  /** Killed after this long (default 30 s; SIGKILL 2 s after SIGTERM): a dead hop must never hang the caller. */
  timeoutMs?: number;
  /** Written to stdin, which is then closed; without it stdin is closed from the start (or the terminal, if interactive). */
  input?: string;
  /** Cancels the run (down() during a reconnect, Ctrl-C during a long wait). */
  signal?: AbortSignal | undefined;
  /** Each stdout line as it arrives (a long wait's progress); stdout is still returned whole. */
  onLine?: (line: string) => void;
  /**
   * A file descriptor for stderr instead of a pipe, stdout then ignored. Needed for `ssh -f`: its
   * backgrounded master, and a ProxyJump `ssh -W` child, keep stdio open, so a pipe would never close.
   */
  stderrFd?: number;
  /**
   * Own session (setsid): for a backgrounded master, whose ProxyJump child would otherwise stay
   * in the caller's process group and die with it. Not for a run that must prompt on the terminal.
   */
  detached?: boolean;
  /** stdin is the user's terminal, so ssh may prompt; stderr is shown there too (and still kept, unless stderrFd). */
  interactive?: boolean;
}

/** Runs one OpenSSH program to completion; every such run in tunnel goes through this type, so tests can fake it. */
export type RunSsh = (argv: readonly string[], options?: RunSshOptions) => Promise<SshResult>;

/** The real runner: execa, no local shell, bounded, never rejects (the result says what happened). */
export const runSsh: RunSsh = async (argv, options = {}) => {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('runSsh: empty argv');
  const child = execa(file, args, {
    reject: false,
    timeout: options.timeoutMs ?? 30_000,
    forceKillAfterDelay: 2000,
    detached: options.detached ?? false,
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
    ...stdioOf(options),
  });
  if (options.onLine !== undefined && child.stdout !== null)
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', options.onLine);
  const result = await child;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    exitCode: result.exitCode ?? null,
    stdout: text(result.stdout),
    stderr: text(result.stderr),
    timedOut: result.timedOut === true,
    signal: result.signal ?? null,
    notFound: (result as { code?: string }).code === 'ENOENT',
  };
};

function stdioOf(options: RunSshOptions) {
  const stdin =
    options.input !== undefined
      ? { input: options.input }
      : { stdin: options.interactive === true ? ('inherit' as const) : ('ignore' as const) };
  // execa passes an integer straight to the child as its fd (documented), though its types only list a few.
  if (options.stderrFd !== undefined)
    return { ...stdin, stdout: 'ignore' as const, stderr: options.stderrFd as unknown as 'ignore' };
  return {
    ...stdin,
    stdout: 'pipe' as const,
    stderr: options.interactive === true ? (['pipe', 'inherit'] as ['pipe', 'inherit']) : ('pipe' as const),
  };
}
