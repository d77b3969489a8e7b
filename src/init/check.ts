import { TunnelError } from '../errors.js';
import { destinationOf } from '../plan/destination.js';
import { planOneShot } from '../plan/one-shot.js';
import type { Hop } from '../model/types.js';
import { diagnose } from '../ssh/diagnose.js';
import { emptyProgress, readLine } from '../ssh/progress.js';
import { resolveHostConfig } from '../ssh/ssh-g.js';
import type { RunSsh } from '../ssh/run.js';
import { sshRunner } from '../ssh/runner.js';
import { pickTargetSettings, type TargetSettings } from '../sshconfig/target.js';

/**
 * `ssh -G` with the user's config and with none: what OpenSSH makes of the login node, and
 * which of its settings the user's config changed (only those are copied into ssh_config).
 */
export async function resolveLogin(login: Hop, sshConfig: string | undefined): Promise<TargetSettings> {
  const destination = destinationOf(login);
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
  run?: RunSsh;
}

/** The argv of the test login: a one-shot `true` on the host [through -J login], prompting only on a terminal. */
export function connectArgv(target: Hop, check: Pick<ConnectCheck, 'sshConfig' | 'interactive' | 'jump'>): string[] {
  const route = {
    via: check.jump === undefined ? [] : [check.jump],
    to: target,
    sshConfig: check.sshConfig,
    connectTimeout: 10,
  };
  return planOneShot(route, 'true', { batchMode: !check.interactive });
}

/**
 * A real login with the user's own authentication (keys, agent, password, OTP). stderr is
 * shown live on a terminal and kept, so a failure is explained in OpenSSH's own words.
 */
export async function testConnection(target: Hop, check: ConnectCheck): Promise<void> {
  const argv = connectArgv(target, check);
  const result = await sshRunner({ run: check.run }).run(argv, {
    timeoutMs: check.timeoutMs,
    interactive: check.interactive,
  });
  if (result.exitCode === 0) return;
  const hop = target.host;
  if (result.timedOut) {
    throw new TunnelError(
      'CONNECT_FAILED',
      `${hop}: no answer within ${Math.round(check.timeoutMs / 1000)} s (${argv.join(' ')})`,
      { hop, argv },
    );
  }
  if (result.notFound === true) {
    throw new TunnelError(
      'SSH_NOT_FOUND',
      'the OpenSSH client (ssh) is not on PATH; install it (Debian/Ubuntu: apt install openssh-client)',
      { cause: result },
    );
  }
  const progress = result.stderr.split('\n').reduce((p, line) => readLine(p, line, 'stderr'), emptyProgress());
  throw diagnose(progress, { argv, exitCode: result.exitCode, signal: result.signal ?? null, hop });
}
