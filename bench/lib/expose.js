import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderSshConfigEntry } from '../../dist/presets/index.js';
import { LOGIN } from './env.js';

export const EXPOSED = 'bench-exposed';

/**
 * What a user of the expose preset has: the entry the preset prints (rendered by the preset's own
 * function, with the port the supervisor first reported), who they are, and the exposed sshd's
 * host key under the alias, followed by the bench's config for the jump host.
 * The exposed sshd is the bench's "node" sshd: a real sshd on this side of the tunnel.
 */
export async function writeExposeConfig(env, port) {
  const knownHosts = join(env.dir, `expose-known_hosts-${port}`);
  await writeFile(knownHosts, `${EXPOSED} ${env.node.hostPublicKey}\n`, { mode: 0o600 });
  const path = join(env.dir, `expose-ssh_config-${port}`);
  await writeFile(
    path,
    [
      renderSshConfigEntry({ alias: EXPOSED, port, proxyJump: [LOGIN] }).trimEnd(),
      `  User ${env.node.user}`,
      `  IdentityFile ${env.node.clientKeyPath}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHosts}`,
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '  ConnectTimeout 3',
      '',
      await readFile(env.sshConfig, 'utf8'),
    ].join('\n'),
    { mode: 0o600 },
  );
  return path;
}

/** One real `ssh -F config bench-exposed true` round trip; true on exit 0, false otherwise or after timeoutMs. */
export function sshThroughEntry(config, timeoutMs = 8000) {
  return new Promise((resolve) => {
    // Not tracked: it is bounded here, and killed by pid (with its ProxyJump child, in its own group) on timeout.
    const child = spawn('ssh', ['-F', config, EXPOSED, 'true'], { stdio: 'ignore', detached: true });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.once('error', () => resolve(false));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}
