import { TunnelError } from '../errors.js';
import type { RunSsh } from '../ssh/run.js';
import { sshRunner } from '../ssh/runner.js';

/** `ssh -V` (it answers on stderr): the one thing the demo needs from the machine, checked before anything starts. */
export async function findSshVersion(run: RunSsh = sshRunner().run): Promise<string> {
  const result = await run(['ssh', '-V'], { timeoutMs: 5000 });
  const version = ((result.stderr || result.stdout).trim().split('\n')[0] ?? '').split(',')[0]!.trim();
  if (result.exitCode !== 0 || !/openssh/i.test(version)) {
    const found = result.notFound === true ? 'no ssh on PATH' : `ssh -V said ${JSON.stringify(version)}`;
    throw new TunnelError(
      'SSH_NOT_FOUND',
      `the demo needs the OpenSSH client (${found}); install it (Debian/Ubuntu: apt install openssh-client) and run it again`,
    );
  }
  return version;
}
