import { execa } from 'execa';
import { TunnelError } from '../errors.js';

/** ssh -G: OpenSSH's own answer to "what does this host resolve to?" (lowercase keys, first value wins). */
export async function resolveHostConfig(host: string, options: { sshConfig?: string | undefined } = {}): Promise<Map<string, string>> {
  const args = [...(options.sshConfig === undefined ? [] : ['-F', options.sshConfig]), '-G', '--', host];
  const result = await execa('ssh', args, { reject: false, timeout: 10_000, stdin: 'ignore' });
  if (result.exitCode !== 0) {
    const message = (result.stderr || result.stdout).trim().split('\n')[0] ?? 'ssh -G failed';
    throw new TunnelError('CONFIG_INVALID', `${host}: ssh -G rejected the configuration: ${message}`, {
      hop: host,
      sshMessage: message,
      exitCode: result.exitCode ?? null,
    });
  }
  const config = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const key = line.slice(0, space);
    if (!config.has(key)) config.set(key, line.slice(space + 1));
  }
  return config;
}
