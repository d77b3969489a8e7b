import type { Hop } from '../model/types.js';

/** What the rendered entry copies from OpenSSH's resolution of the target (`ssh -G`). */
export interface TargetSettings {
  /** The real host name: a Host alias's HostName does not recurse, so the alias itself is never enough. */
  hostName: string;
  user: string;
  port: number;
  /** Set only when the user's config changed them from OpenSSH's defaults. */
  identityFile: string | undefined;
  identitiesOnly: boolean | undefined;
  userKnownHostsFiles: string[] | undefined;
  hostKeyAlias: string | undefined;
  /** How the target itself is reached when no --via is given (its own ProxyJump/ProxyCommand). */
  proxyJump: string | undefined;
  proxyCommand: string | undefined;
}

type Config = ReadonlyMap<string, string>;

/**
 * Picks the target's settings from `ssh -G TARGET` (resolved) compared with `ssh -F none -G TARGET`
 * (OpenSSH's defaults): a key that differs was set by the user's config. Pure.
 */
export function pickTargetSettings(hop: Hop, resolved: Config, defaults: Config): TargetSettings {
  const changed = (key: string): string | undefined => {
    const value = resolved.get(key);
    return value === undefined || value === defaults.get(key) || value === 'none' ? undefined : value;
  };
  const knownHosts = changed('userknownhostsfile');
  const identitiesOnly = changed('identitiesonly');
  return {
    hostName: resolved.get('hostname') ?? hop.host,
    user: hop.user ?? resolved.get('user') ?? defaults.get('user') ?? '',
    port: hop.port ?? Number(resolved.get('port') ?? '22'),
    identityFile: changed('identityfile'),
    identitiesOnly: identitiesOnly === undefined ? undefined : identitiesOnly === 'yes',
    userKnownHostsFiles: knownHosts === undefined ? undefined : splitKnownHostsFiles(knownHosts),
    hostKeyAlias: changed('hostkeyalias'),
    proxyJump: changed('proxyjump'),
    proxyCommand: changed('proxycommand'),
  };
}

/**
 * `ssh -G` prints UserKnownHostsFile as paths joined by spaces, already tilde-expanded, so a
 * path with a space is ambiguous. Splitting only before '/' keeps "/a b/kh" whole; a space
 * followed by '/' inside one path cannot be told apart and is split.
 */
export function splitKnownHostsFiles(value: string): string[] {
  return value.split(/ (?=[/~])/).filter((path) => path !== '');
}
