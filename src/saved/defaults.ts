import { DEFAULTS } from '../model/defaults.js';
import { formatHost, parseForward } from '../model/forward.js';
import { formatHop, parseHop, parseHopList } from '../model/hop.js';
import type { TunnelOptions } from '../model/types.js';
import type { Defaults, StoredDefaults } from './types.js';

/** Stored defaults with the built-in values under them. */
export function resolveDefaults(stored: StoredDefaults = {}): Defaults {
  return {
    keepalive: stored.keepalive ?? DEFAULTS.keepaliveInterval,
    keepaliveCount: stored.keepaliveCount ?? DEFAULTS.keepaliveCount,
    connectTimeout: stored.connectTimeout ?? DEFAULTS.connectTimeout,
    ...(stored.localBind === undefined ? {} : { localBind: stored.localBind }),
    ...(stored.via === undefined ? {} : { via: [...stored.via] }),
  };
}

/**
 * Fills the fields a tunnel leaves unset from the defaults; never overrides what is set.
 * Pure: the caller passes the defaults (getDefaults()). Input that is not valid is passed
 * through untouched, so parseTunnelSpec still reports it with the user's own words.
 */
export function applyDefaults<T extends TunnelOptions>(options: T, defaults: Partial<Defaults>): T {
  return {
    ...options,
    keepalive: options.keepalive ?? defaults.keepalive,
    keepaliveCount: options.keepaliveCount ?? defaults.keepaliveCount,
    connectTimeout: options.connectTimeout ?? defaults.connectTimeout,
    via: options.via ?? defaultVia(options.to, defaults.via),
    local:
      defaults.localBind === undefined
        ? options.local
        : options.local?.map((spec) => withBind(spec, defaults.localBind!)),
  };
}

/**
 * Default hops apply only to a tunnel that names its target (--to) and no hops. When the
 * target is itself one of the default hops, the route stops before it (no login -> login).
 */
function defaultVia(to: string | undefined, via: readonly string[] | undefined): string[] | undefined {
  if (to === undefined || via === undefined || via.length === 0) return undefined;
  try {
    const target = formatHop(parseHop(to, '--to'));
    const hops = parseHopList(via, 'via').map(formatHop);
    const stop = hops.indexOf(target);
    const route = stop === -1 ? hops : hops.slice(0, stop);
    return route.length === 0 ? undefined : route;
  } catch {
    return undefined;
  }
}

/** `8888:h:80` -> `BIND:8888:h:80`; specs that name a bind address or a socket stay as they are. */
function withBind(spec: string, bind: string): string {
  try {
    const forward = parseForward('L', spec);
    return forward.listen.kind === 'tcp' && forward.listen.bind === undefined ? `${formatHost(bind)}:${spec}` : spec;
  } catch {
    return spec;
  }
}
