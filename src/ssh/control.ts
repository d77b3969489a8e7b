import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { execa } from 'execa';

export interface ControlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one `ssh -O ...` (or the master's `-f` start); bounded, never prompts through stdin. */
export async function runControl(argv: readonly string[], timeoutMs = 30_000): Promise<ControlResult> {
  const [file, ...args] = argv;
  if (args.includes('-f') && args.includes('-E')) return startBackground(file ?? 'ssh', args, args[args.indexOf('-E') + 1]!, timeoutMs);
  const result = await execa(file ?? 'ssh', args, { reject: false, timeout: timeoutMs, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? 255, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A master started with `-f -E LOG` forks into the background, and the ProxyJump child (`ssh -W`)
 * it started before forking keeps the stderr it inherited: with a pipe there, waiting for EOF would
 * hang until the master exits (every --multiplex tunnel with --via). So its stderr is the log file
 * itself, a real descriptor, and we wait for the exit only. Its messages are read from the log.
 */
function startBackground(file: string, args: string[], log: string, timeoutMs: number): Promise<ControlResult> {
  const fd = openSync(log, 'a', 0o600);
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', fd] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const done = (exitCode: number) => {
      clearTimeout(timer);
      closeSync(fd);
      resolve({ exitCode, stdout: '', stderr: '' });
    };
    child.once('error', () => done(255));
    child.once('exit', (code) => done(code ?? 255));
  });
}

/** The master's pid from `ssh -O check` ("Master running (pid=123)"), or undefined if none answers. */
export async function masterPid(checkArgv: readonly string[]): Promise<number | undefined> {
  const result = await runControl(checkArgv, 10_000);
  const pid = /Master running \(pid=(\d+)\)/.exec(result.stderr)?.[1];
  return result.exitCode === 0 && pid !== undefined ? Number(pid) : undefined;
}
