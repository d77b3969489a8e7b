import { execa } from 'execa';
import { TunnelError } from '../errors.js';

/** `ssh -V` (it answers on stderr): the one thing the demo needs from the machine, checked before anything starts. */
export async function findSshVersion(): Promise<string> {
  const result = await execa('ssh', ['-V'], { reject: false, timeout: 5000, stdin: 'ignore' });
  const version = ((result.stderr || result.stdout).trim().split('\n')[0] ?? '').split(',')[0]!.trim();
  if (result.exitCode !== 0 || !/openssh/i.test(version)) {
    const found = result.failed && result.exitCode === undefined ? 'no ssh on PATH' : `ssh -V said ${JSON.stringify(version)}`;
    throw new TunnelError('SSH_NOT_FOUND', `the demo needs the OpenSSH client (${found}); install it (Debian/Ubuntu: apt install openssh-client) and run it again`);
  }
  return version;
}
