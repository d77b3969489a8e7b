import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicKeyBody } from './keys.js';
import { NODE_HOST, NODE_PORT } from './login-server.js';

export const SANDBOX_USER = 'researcher';
export const LOGIN_ALIAS = 'login';

export interface SandboxFiles {
  sshConfigPath: string;
  knownHostsPath: string;
  identityPath: string;
}

/** ssh_config treats `%` as a token and whitespace as a separator; quote and escape both. */
function cfgPath(p: string): string {
  if (p.includes('"')) throw new Error(`sandbox: path not usable in ssh_config: ${p}`);
  return `"${p.replace(/%/g, '%%')}"`;
}

/**
 * Writes the client side: key, known_hosts holding the servers' real host
 * keys (so checking stays strict, nothing is ever "accepted new"), and an
 * ssh_config that only names the two hosts. Nothing from ~/.ssh is involved
 * because callers pass `-F`.
 */
export function writeClientFiles(
  dir: string,
  p: { loginPort: number; clientPrivateKey: string; loginHostKey: string; nodeHostKey: string },
): SandboxFiles {
  const identityPath = join(dir, 'id_ed25519');
  const knownHostsPath = join(dir, 'known_hosts');
  const sshConfigPath = join(dir, 'ssh_config');

  writeFileSync(identityPath, p.clientPrivateKey, { mode: 0o600 });
  // A non-22 port is written as [host]:port; port 22 as the bare name.
  const knownHosts = [
    `[127.0.0.1]:${p.loginPort} ${publicKeyBody(p.loginHostKey)}`,
    `${NODE_HOST} ${publicKeyBody(p.nodeHostKey)}`,
  ];
  writeFileSync(knownHostsPath, knownHosts.join('\n') + '\n', { mode: 0o600 });

  const common = [
    `  User ${SANDBOX_USER}`,
    `  IdentityFile ${cfgPath(identityPath)}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${cfgPath(knownHostsPath)}`,
    // Keep the machine's /etc/ssh/ssh_known_hosts out of the picture.
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
  ];
  const config = [
    '# Written by the tunnel sandbox; deleted when the sandbox closes.',
    `Host ${LOGIN_ALIAS}`,
    '  HostName 127.0.0.1',
    `  Port ${p.loginPort}`,
    ...common,
    '',
    // Deliberately no ProxyJump: the node is reachable only if the caller says -J login.
    `Host ${NODE_HOST}`,
    `  HostName ${NODE_HOST}`,
    `  Port ${NODE_PORT}`,
    ...common,
    '',
  ];
  writeFileSync(sshConfigPath, config.join('\n'), { mode: 0o600 });
  return { sshConfigPath, knownHostsPath, identityPath };
}
