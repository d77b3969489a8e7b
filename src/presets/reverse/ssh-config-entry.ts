export interface SshConfigEntryInput {
  /** The Host alias users type (`ssh NAME`). */
  alias: string;
  /** The port allocated on the jump host. */
  port: number;
  /** Hops to the jump host, in order, as ssh -J takes them. */
  proxyJump: readonly string[];
}

/**
 * The ssh_config block that reaches an exposed sshd through the jump host's loopback.
 * HostKeyAlias keeps known_hosts keyed by the alias: the port may change on every
 * reconnect with -R 0, and `[localhost]:PORT` would collide with other exposed machines.
 */
export function renderSshConfigEntry(input: SshConfigEntryInput): string {
  return [
    `Host ${input.alias}`,
    '  HostName localhost',
    `  Port ${input.port}`,
    `  HostKeyAlias ${input.alias}`,
    `  ProxyJump ${input.proxyJump.join(',')}`,
    '',
  ].join('\n');
}
