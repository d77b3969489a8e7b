import { open } from 'node:fs/promises';
import type { RunSsh } from './run.js';

/** The master's pid from `ssh -O check` ("Master running (pid=123)"), or undefined if none answers. */
export async function masterPid(checkArgv: readonly string[], run: RunSsh): Promise<number | undefined> {
  const result = await run(checkArgv, { timeoutMs: 10_000 });
  const pid = /Master running \(pid=(\d+)\)/.exec(result.stderr)?.[1];
  return result.exitCode === 0 && pid !== undefined ? Number(pid) : undefined;
}

/**
 * Starts a master with the user's terminal for prompts (/dev/tty, or SSH_ASKPASS): stdin stays
 * the terminal, and since ssh -f keeps its stdio after forking, stdout goes nowhere and stderr to
 * `logFile` (a pipe held by the backgrounded master would never close). Resolves with ssh's exit code.
 */
export async function runSshPrompting(
  argv: readonly string[],
  logFile: string,
  options: { timeoutMs?: number; run: RunSsh },
): Promise<number> {
  const log = await open(logFile, 'a', 0o600);
  try {
    const result = await options.run(argv, {
      interactive: true,
      stderrFd: log.fd,
      timeoutMs: options.timeoutMs ?? 300_000,
    });
    return result.exitCode ?? 255;
  } finally {
    await log.close();
  }
}
