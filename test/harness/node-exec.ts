import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { execa } from 'execa';
import type { ClusterUser } from './cluster-user.js';
import { isAlive, killPids, waitFor } from './proc.js';

export interface ExecOptions {
  asUser?: boolean;
  timeoutMs?: number;
  env?: Record<string, string>;
  input?: string;
}
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}
export interface SpawnOptions {
  asUser?: boolean;
  env?: Record<string, string>;
  /** A path in the test process's (host) mount namespace. */
  stdoutFile?: string;
}
export interface Spawned {
  pid: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
  /** stdout+stderr seen so far (stdout is absent when stdoutFile is used). */
  output(): string;
  /** Resolves with the output once it matches, rejects on timeout or exit. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Every wrapper in the chain execs (no fork), so the pid execa reports is the target program's. */
export function userWrap(u: ClusterUser, env: Record<string, string> = {}): string[] {
  const vars = {
    HOME: u.home,
    USER: u.name,
    LOGNAME: u.name,
    SHELL: u.shell,
    PATH: '/usr/local/bin:/usr/bin:/bin',
    ...env,
  };
  return [
    'setpriv',
    `--reuid=${u.uid}`,
    `--regid=${u.gid}`,
    '--init-groups',
    'env',
    '-i',
    '-C',
    u.home,
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
  ];
}

export async function execIn(
  prefix: string[],
  argv: string[],
  u: ClusterUser,
  o: ExecOptions = {},
): Promise<ExecResult> {
  const full = [...prefix, ...(o.asUser ? userWrap(u, o.env) : []), ...argv];
  const [file, ...args] = full as [string, ...string[]];
  const r = await execa(file, args, {
    reject: false,
    timeout: o.timeoutMs ?? 30_000,
    forceKillAfterDelay: 2000,
    ...(o.asUser ? {} : { env: o.env }),
    // Without input, stdin is /dev/null so an ssh that reads stdin cannot hang the test.
    ...(o.input === undefined ? { stdin: 'ignore' as const } : { input: o.input }),
  });
  // Mirror timeout(1)/shell conventions so callers always get a number.
  const code = r.exitCode ?? (r.timedOut ? 124 : 128 + (os.constants.signals[r.signal as NodeJS.Signals] ?? 0));
  const note = r.timedOut ? `\n[harness: timed out after ${o.timeoutMs ?? 30_000} ms: ${full.join(' ')}]` : '';
  return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') + note, exitCode: code };
}

export function spawnIn(prefix: string[], argv: string[], u: ClusterUser, o: SpawnOptions = {}): Spawned {
  const full = [...prefix, ...(o.asUser ? userWrap(u, o.env) : []), ...argv];
  const [file, ...args] = full as [string, ...string[]];
  const sub = execa(file, args, {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stdout: o.stdoutFile ? { file: o.stdoutFile } : 'pipe',
    stderr: 'pipe',
    ...(o.asUser ? {} : { env: o.env }),
  });
  const pid = sub.pid;
  if (pid === undefined) throw new Error(`failed to spawn ${full.join(' ')}`);
  let out = '';
  const collect = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-256 * 1024);
  };
  sub.stdout?.on('data', collect);
  sub.stderr?.on('data', collect);
  let done = false;
  const exited = sub.then((r) => {
    done = true;
    return r.exitCode ?? null;
  });
  const output = () => out;
  return {
    pid,
    exited,
    output,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (await isAlive(pid)) await killPids([pid], signal);
      await exited;
    },
    async waitForOutput(pattern, timeoutMs = 10_000) {
      const read = async () => output() + (o.stdoutFile ? await readFile(o.stdoutFile, 'utf8').catch(() => '') : '');
      const seen = async () => {
        if (pattern.test(await read())) return true;
        if (done) throw new Error(`${full.join(' ')} exited before printing ${pattern}:\n${await read()}`);
        return false;
      };
      await waitFor(seen, timeoutMs, `${pattern} from ${argv.join(' ')}`).catch(async (e: Error) => {
        throw new Error(`${e.message}\noutput so far:\n${await read()}`);
      });
      return read();
    },
  };
}
