import { execa } from 'execa';

export interface ControlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one `ssh -O ...` (or the master's `-f` start); bounded, never prompts through stdin. */
export async function runControl(argv: readonly string[], timeoutMs = 30_000): Promise<ControlResult> {
  const [file, ...args] = argv;
  const result = await execa(file ?? 'ssh', args, { reject: false, timeout: timeoutMs, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? 255, stdout: result.stdout, stderr: result.stderr };
}

/** The master's pid from `ssh -O check` ("Master running (pid=123)"), or undefined if none answers. */
export async function masterPid(checkArgv: readonly string[]): Promise<number | undefined> {
  const result = await runControl(checkArgv, 10_000);
  const pid = /Master running \(pid=(\d+)\)/.exec(result.stderr)?.[1];
  return result.exitCode === 0 && pid !== undefined ? Number(pid) : undefined;
}
