import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Runs the built CLI to completion. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000) {
  return execa('node', [CLI, ...args], {
    reject: false,
    timeout: timeoutMs,
    env: { NO_COLOR: '1', ...env },
    stdin: 'ignore',
  });
}

/** Starts the CLI in the background and resolves with its first stdout line (the --json object). */
export async function startCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<{ child: ResultPromise; first: string; stderr: () => string }> {
  const child = execa('node', [CLI, ...args], {
    reject: false,
    env: { NO_COLOR: '1', ...env },
    stdin: 'ignore',
    buffer: false,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    void child.then((result) => {
      clearTimeout(timer);
      reject(new Error(`cli exited ${String(result.exitCode)} before printing; stderr: ${stderr}`));
    });
  });
  return { child, first, stderr: () => stderr };
}
