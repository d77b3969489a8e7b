import { execa } from 'execa';
import { TunnelError } from '../errors.js';
import { formatHop } from '../spec/hop.js';
import type { Hop } from '../spec/types.js';
import { diagnose } from '../ssh/diagnose.js';
import { emptyProgress, readLine } from '../ssh/progress.js';
import { resolveHostConfig } from '../ssh/resolve.js';
import { pickTargetSettings, type TargetSettings } from '../sshconfig/target.js';

/**
 * `ssh -G` with the user's config and with none: what OpenSSH makes of the login node, and
 * which of its settings the user's config changed (only those are copied into ssh_config).
 */
export async function resolveLogin(login: Hop, sshConfig: string | undefined): Promise<TargetSettings> {
  const destination = login.user === undefined ? login.host : `${login.user}@${login.host}`;
  const [resolved, defaults] = await Promise.all([
    resolveHostConfig(destination, { sshConfig }),
    resolveHostConfig(destination, { sshConfig: 'none' }),
  ]);
  return pickTargetSettings(login, resolved, defaults);
}

/** `ssh -G NODE`: checks that OpenSSH accepts the name (it does not connect). */
export async function resolveNode(node: string, sshConfig: string | undefined): Promise<void> {
  await resolveHostConfig(node, { sshConfig });
}

export interface ConnectCheck {
  sshConfig: string | undefined;
  /** On a terminal, ssh may ask for passwords and codes (on /dev/tty); otherwise BatchMode=yes, so it never waits. */
  interactive: boolean;
  /** Reach the destination through this hop (-J). */
  jump?: Hop | undefined;
  /** Overall limit; ConnectTimeout=10 covers each TCP connect. */
  timeoutMs: number;
}

/** The argv of the test login: `ssh -o ConnectTimeout=10 [-J login] [-p PORT] [user@]host true`. */
export function connectArgv(target: Hop, check: Pick<ConnectCheck, 'sshConfig' | 'interactive' | 'jump'>): string[] {
  return [
    'ssh',
    ...(check.sshConfig === undefined ? [] : ['-F', check.sshConfig]),
    '-o', 'ConnectTimeout=10',
    ...(check.interactive ? [] : ['-o', 'BatchMode=yes']),
    ...(check.jump === undefined ? [] : ['-J', formatHop(check.jump)]),
    ...(target.port === undefined ? [] : ['-p', String(target.port)]),
    '--',
    target.user === undefined ? target.host : `${target.user}@${target.host}`,
    'true',
  ];
}

/**
 * A real login with the user's own authentication (keys, agent, password, OTP). stderr is
 * shown live on a terminal and kept, so a failure is explained in OpenSSH's own words.
 */
export async function testConnection(target: Hop, check: ConnectCheck): Promise<void> {
  const [file, ...args] = connectArgv(target, check);
  const result = await execa(file!, args, {
    reject: false,
    timeout: check.timeoutMs,
    stdin: check.interactive ? 'inherit' : 'ignore',
    stdout: 'ignore',
    stderr: check.interactive ? ['pipe', 'inherit'] : 'pipe',
  });
  if (result.exitCode === 0) return;
  const hop = target.host;
  if (result.timedOut) {
    throw new TunnelError('CONNECT_FAILED', `${hop}: no answer within ${Math.round(check.timeoutMs / 1000)} s (ssh ${args.join(' ')})`, { hop, argv: [file!, ...args] });
  }
  if (result.failed && result.exitCode === undefined) {
    throw new TunnelError('SSH_NOT_FOUND', 'the OpenSSH client (ssh) is not on PATH; install it (Debian/Ubuntu: apt install openssh-client)', { cause: result });
  }
  const progress = String(result.stderr ?? '').split('\n').reduce((p, line) => readLine(p, line, 'stderr'), emptyProgress());
  throw diagnose(progress, { argv: [file!, ...args], exitCode: result.exitCode ?? null, signal: result.signal ?? null, hop });
}
