import type { SpawnSsh, SshProcess } from '../ssh/process.js';
import type { ProbeRun } from './types.js';

export interface ProbeOptions {
  timeoutMs: number;
  /** Keep stdin open: `ssh -W` and `read x` sessions end when it closes. */
  keepStdinOpen?: boolean;
  /** Stop the process as soon as a line satisfies this. */
  until?: (line: string, stream: 'stdout' | 'stderr') => boolean;
  /** Called with the running process and its lines so far; for probes that act mid-run. */
  onLine?: (line: string, stream: 'stdout' | 'stderr', process: SshProcess) => void;
}

/** Runs one probe to its end, bounded by timeoutMs (then SIGTERM, SIGKILL after 1 s). */
export async function runProbe(spawn: SpawnSsh, argv: readonly string[], options: ProbeOptions): Promise<ProbeRun> {
  const started = performance.now();
  const run: ProbeRun = { exitCode: null, signal: null, stdout: [], stderr: [], timedOut: false, ms: 0 };
  let child: SshProcess;
  try {
    child = spawn(argv, { keepStdinOpen: options.keepStdinOpen ?? false });
  } catch (error) {
    return { ...run, stderr: [String(error)] };
  }
  const timer = setTimeout(() => {
    run.timedOut = true;
    void child.stop(1000);
  }, options.timeoutMs);
  child.onLine((line, stream) => {
    (stream === 'stdout' ? run.stdout : run.stderr).push(line);
    options.onLine?.(line, stream, child);
    if (options.until?.(line, stream)) void child.stop(1000);
  });
  const exit = await child.exited;
  clearTimeout(timer);
  return { ...run, exitCode: exit.exitCode, signal: exit.signal, ms: performance.now() - started };
}
