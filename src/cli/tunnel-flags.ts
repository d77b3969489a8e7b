import type { Command } from 'commander';
import { DEFAULTS, type TunnelOptions } from '../api/up.js';

/** A repeatable flag's values, in order (commander's option argParser). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The flags that describe a tunnel; shared by `up`, `save` and `config`. */
export function addTunnelFlags(command: Command): Command {
  return command
    .option(
      '--via <hops>',
      'hop(s) to go through, in order: [user@]host[:port], repeatable or comma-separated',
      collect,
    )
    .option('--to <host>', 'the node where the endpoints live (default: the last --via)')
    .option(
      '-L, --local <spec>',
      'local forward in OpenSSH syntax: [bind:]port:host:hostport, port:/remote.sock, /local.sock:/remote.sock',
      collect,
    )
    .option(
      '-R, --remote <spec>',
      'remote forward in OpenSSH syntax: [bind:]port:host:hostport (port 0: the server picks)',
      collect,
    )
    .option(
      '--strategy <name>',
      `jump (one ssh with -J), relay (the login node runs the inner ssh) or auto (default ${DEFAULTS.strategy})`,
    )
    .option(
      '--keepalive <seconds>',
      `ServerAliveInterval (default ${DEFAULTS.keepaliveInterval}); a dead link is noticed after --keepalive-count missed answers`,
    )
    .option('--keepalive-count <n>', `ServerAliveCountMax (default ${DEFAULTS.keepaliveCount})`)
    .option('--connect-timeout <seconds>', `ConnectTimeout for every hop (default ${DEFAULTS.connectTimeout})`)
    .option('-F, --ssh-config <file>', 'use this ssh_config file (passed to ssh as -F)')
    .option('--name <name>', 'a name for the tunnel (state, logs, down)')
    .option('--batch', 'never prompt for passwords or codes (BatchMode=yes)')
    .option('--multiplex', 'share one authenticated ControlMaster connection with other tunnels through the same hops');
}

export interface TunnelFlags {
  via?: string[];
  to?: string;
  local?: string[];
  remote?: string[];
  strategy?: string;
  keepalive?: string;
  keepaliveCount?: string;
  connectTimeout?: string;
  sshConfig?: string;
  name?: string;
  batch?: boolean;
  multiplex?: boolean;
}

/** Maps flags to library options, one to one; validation happens in the library. */
export function tunnelOptionsFromFlags(flags: TunnelFlags): TunnelOptions {
  return {
    name: flags.name,
    via: flags.via,
    to: flags.to,
    local: flags.local,
    remote: flags.remote,
    strategy: flags.strategy,
    keepalive: flags.keepalive,
    keepaliveCount: flags.keepaliveCount,
    connectTimeout: flags.connectTimeout,
    sshConfig: flags.sshConfig,
    batchMode: flags.batch,
    multiplex: flags.multiplex,
  };
}
