import { TunnelError } from '../errors.js';
import type { RunSsh } from './run.js';
import { sshRunner } from './runner.js';

/** What `ssh -G` answered: every setting (lowercase keys, values in order), or why it refused. */
export type SshGAnswer =
  { ok: true; settings: Map<string, string[]> } | { ok: false; message: string; exitCode: number | null };

export interface SshGOptions {
  /** `-F FILE` (`none` for OpenSSH's defaults alone). */
  sshConfig?: string | undefined;
  port?: number | undefined;
  run?: RunSsh;
}

/**
 * `ssh [-F FILE] -G [-p PORT] -- DESTINATION`: OpenSSH's own answer to "what does this host
 * resolve to?" (it never connects). The one place tunnel asks it; callers word the failure.
 */
export async function askSshG(destination: string, options: SshGOptions = {}): Promise<SshGAnswer> {
  const argv = [
    'ssh',
    ...(options.sshConfig === undefined ? [] : ['-F', options.sshConfig]),
    '-G',
    ...(options.port === undefined ? [] : ['-p', String(options.port)]),
    '--',
    destination,
  ];
  const result = await sshRunner({ run: options.run }).run(argv, { timeoutMs: 10_000 });
  if (result.exitCode === 0) return { ok: true, settings: parseSshG(result.stdout) };
  const message =
    firstLine(result.stderr || result.stdout) ?? `ssh -G exited ${String(result.exitCode ?? 'by signal')}`;
  return { ok: false, message, exitCode: result.exitCode };
}

/** askSshG's settings, the first value of each key (the one ssh uses); a refusal is CONFIG_INVALID. */
export async function resolveHostConfig(host: string, options: SshGOptions = {}): Promise<Map<string, string>> {
  const answer = await askSshG(host, options);
  if (!answer.ok) {
    throw new TunnelError('CONFIG_INVALID', `${host}: ssh -G rejected the configuration: ${answer.message}`, {
      hop: host,
      sshMessage: answer.message,
      exitCode: answer.exitCode,
    });
  }
  return new Map([...answer.settings].map(([key, values]) => [key, values[0] ?? '']));
}

/** Every `key value` line of ssh -G; keys lowercased, values kept in order (IdentityFile repeats). */
export function parseSshG(stdout: string): Map<string, string[]> {
  const config = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const key = line.slice(0, space).toLowerCase();
    config.set(key, [...(config.get(key) ?? []), line.slice(space + 1)]);
  }
  return config;
}

function firstLine(text: string): string | undefined {
  return text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('Pseudo-terminal'));
}
