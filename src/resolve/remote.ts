import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { destinationArgs, jumpArgs } from '../plan/destination.js';
import { remoteShell } from '../ssh/remote-shell.js';
import { formatHop } from '../spec/hop.js';
import type { Hop } from '../spec/types.js';

/** Where the scheduler's commands run: the login node (the last --via), through the hops before it. */
export interface SchedulerHost {
  via: Hop[];
  login: Hop;
  sshConfig: string | undefined;
  connectTimeout: number;
  batchMode: boolean;
  /** With --multiplex: a ControlMaster socket path, so every poll reuses one authenticated connection. */
  controlPath: string | undefined;
}

/** The ControlPath the scheduler's commands share for this route (under the state dir's cm/). */
export function schedulerControlPath(stateHome: string, host: Omit<SchedulerHost, 'controlPath'>): string {
  const route = ['sched', host.sshConfig ?? '', ...host.via.map(formatHop), formatHop(host.login)].join('\n');
  return join(stateHome, 'cm', `s-${createHash('sha256').update(route).digest('hex').slice(0, 12)}`);
}

/** One ssh that runs `script` with /bin/sh on the login node. Pure: returns argv. */
export function planLoginCommand(host: SchedulerHost, script: string): string[] {
  const mux = host.controlPath === undefined
    ? ['-o', 'ControlMaster=no', '-o', 'ControlPath=none']
    // auto: the first command authenticates (once, even behind 2FA), the rest ride along;
    // the master outlives the last poll by 60 s and then closes by itself.
    // -S keeps a path with a space one argv word (-o ControlPath=... would be split by ssh).
    : ['-o', 'ControlMaster=auto', '-S', host.controlPath, '-o', 'ControlPersist=60'];
  return [
    'ssh', '-T',
    ...(host.sshConfig === undefined ? [] : ['-F', host.sshConfig]),
    ...(host.batchMode ? ['-o', 'BatchMode=yes'] : []),
    '-o', `ConnectTimeout=${host.connectTimeout}`,
    ...mux,
    ...jumpArgs(host.via),
    ...destinationArgs(host.login),
    remoteShell(script),
  ];
}

export interface LoginResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs one ssh to completion (stdin: `input`, or closed); injectable so unit tests see argv. */
export type RunOnLogin = (argv: readonly string[], options: { timeoutMs: number; input?: string }) => Promise<LoginResult>;

/** Runs one ssh to completion, handing each stdout line over as it arrives (a long wait's progress). */
export type StreamOnLogin = (argv: readonly string[], options: { timeoutMs: number; signal?: AbortSignal | undefined; onLine: (line: string) => void }) => Promise<LoginResult>;

export const streamOnLogin: StreamOnLogin = async (argv, { timeoutMs, signal, onLine }) => {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('streamOnLogin: empty argv');
  const child = execa(file, args, {
    reject: false, timeout: timeoutMs, forceKillAfterDelay: 2000, stdin: 'ignore',
    ...(signal === undefined ? {} : { cancelSignal: signal }),
  });
  createInterface({ input: child.stdout }).on('line', onLine);
  const result = await child;
  return { exitCode: result.exitCode ?? null, stdout: String(result.stdout), stderr: String(result.stderr), timedOut: result.timedOut === true };
};

export const runOnLogin: RunOnLogin = async (argv, { timeoutMs, input }) => {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('runOnLogin: empty argv');
  const result = await execa(file, args, {
    reject: false, timeout: timeoutMs, forceKillAfterDelay: 2000,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
  });
  return { exitCode: result.exitCode ?? null, stdout: String(result.stdout), stderr: String(result.stderr), timedOut: result.timedOut === true };
};
