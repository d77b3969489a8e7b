import { badSpec } from '../errors.js';
import { DEFAULTS } from './defaults.js';
import { parseForward } from './forward.js';
import { parseHop, parseHopList } from './hop.js';
import { parseName } from './name.js';
import { printable } from './tokens.js';
import type { Forward, Hop, Strategy, TunnelOptions, TunnelSpec } from './types.js';

/** Where ssh goes: the hops, the target, the ssh_config and how long each connect may take. */
export interface Route {
  via: Hop[];
  to: Hop;
  sshConfig: string | undefined;
  connectTimeout: number;
}

/**
 * The hop rules every path shares (tunnels, presets' remote commands): --to, or else the last --via;
 * `missingTarget` words the error for a caller whose users think of the target differently.
 */
export function parseRoute(
  options: Pick<TunnelOptions, 'via' | 'to' | 'sshConfig' | 'connectTimeout'>,
  missingTarget = () => badSpec('--to', '--to: no target host; pass --to HOST (or --via HOST for a single hop)'),
): Route {
  const via = parseHopList(options.via);
  const to = options.to === undefined ? via.pop() : parseHop(options.to, '--to');
  if (to === undefined) throw missingTarget();
  return {
    via,
    to,
    sshConfig: parseConfigPath(options.sshConfig),
    connectTimeout: parseInteger(options.connectTimeout, '--connect-timeout', DEFAULTS.connectTimeout, 1, 600),
  };
}

/** Validates user-facing options into a TunnelSpec; throws TunnelError(BAD_SPEC) naming the field. */
export function parseTunnelSpec(options: TunnelOptions): TunnelSpec {
  const { via, to, sshConfig, connectTimeout } = parseRoute(options);
  const forwards = parseForwards(options);
  return {
    name: options.name === undefined ? undefined : parseName(options.name),
    via,
    to,
    forwards,
    strategy: parseStrategy(options.strategy),
    keepalive: {
      interval: parseInteger(options.keepalive, '--keepalive', DEFAULTS.keepaliveInterval, 1, 3600),
      count: parseInteger(options.keepaliveCount, '--keepalive-count', DEFAULTS.keepaliveCount, 1, 100),
    },
    connectTimeout,
    sshConfig,
    batchMode: options.batchMode ?? false,
    multiplex: options.multiplex ?? false,
    probe: options.probe ?? true,
  };
}

function parseForwards(options: TunnelOptions): Forward[] {
  const forwards = [
    ...(options.local ?? []).map((text) => withLoopbackBind(parseForward('L', text))),
    ...(options.remote ?? []).map((text) => parseForward('R', text)),
  ];
  if (forwards.length === 0) {
    throw badSpec('-L', 'no forwards: pass at least one -L or -R (e.g. -L 8888:localhost:8888)');
  }
  rejectDuplicateListeners(forwards);
  return forwards;
}

/** Local listeners bind loopback unless the user named an address. */
function withLoopbackBind(forward: Forward): Forward {
  const { listen } = forward;
  if (listen.kind !== 'tcp' || listen.bind !== undefined) return forward;
  return { ...forward, listen: { ...listen, bind: DEFAULTS.localBind } };
}

function rejectDuplicateListeners(forwards: Forward[]): void {
  const seen = new Set<string>();
  for (const forward of forwards) {
    const { listen } = forward;
    if (listen.kind === 'tcp' && listen.port === 0) continue;
    const key = `${forward.direction}:${listen.kind === 'unix' ? listen.path : `${listen.bind ?? ''}:${listen.port}`}`;
    if (seen.has(key))
      throw badSpec(
        `-${forward.direction}`,
        `-${forward.direction}: two forwards listen on the same ${listen.kind === 'unix' ? 'socket' : 'port'}; give each its own`,
      );
    seen.add(key);
  }
}

function parseStrategy(value: string | undefined): Strategy {
  const strategy = value ?? DEFAULTS.strategy;
  if (strategy !== 'jump' && strategy !== 'relay' && strategy !== 'auto') {
    throw badSpec('--strategy', `--strategy '${printable(strategy)}': expected jump, relay or auto`);
  }
  return strategy;
}

/** Whole numbers only: flags arrive as strings, API options as numbers. */
export function parseInteger(
  value: number | string | undefined,
  field: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw badSpec(field, `${field} '${printable(String(value))}': expected a whole number from ${min} to ${max}`);
  }
  return number;
}

function parseConfigPath(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value.startsWith('-') || /[\u0000-\u001f\u007f]/.test(value)) {
    throw badSpec('--ssh-config', `--ssh-config '${printable(value)}': expected a file path`);
  }
  return value;
}
