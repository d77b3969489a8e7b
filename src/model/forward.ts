import { badSpec } from '../errors.js';
import { checkSocketPath } from './socket-path.js';
import { isSocketField, parseHostField, parsePort, printable, splitForwardFields } from './tokens.js';
import type { Direction, Endpoint, Forward, ListenEndpoint } from './types.js';

/**
 * Parses an OpenSSH -L/-R forward spec:
 * `[bind:]port:host:hostport`, `[bind:]port:socket`, `socket:host:hostport`, `socket:socket`.
 */
export function parseForward(direction: Direction, text: string): Forward {
  const field = `-${direction} ${printable(text)}`;
  if (text.trim() === '')
    throw badSpec(`-${direction}`, `-${direction}: empty forward spec (expected e.g. 8080:localhost:80)`);
  const parts = splitForwardFields(text, `-${direction}`);
  const withField = (detail: string): never => {
    throw badSpec(`-${direction}`, `-${direction} '${printable(text)}': ${detail}`);
  };
  if (parts.length < 2)
    withField(
      direction === 'R'
        ? 'dynamic (SOCKS) -R is not supported; expected port:host:hostport'
        : 'expected port:host:hostport or port:/remote.sock',
    );
  if (parts.length > 4) withField('too many fields; expected [bind:]port:host:hostport');
  const last = parts[parts.length - 1]!;
  const targetIsSocket = isSocketField(last);
  const listenParts = targetIsSocket ? parts.slice(0, -1) : parts.slice(0, -2);
  const target = targetIsSocket
    ? parseSocketEndpoint(last, field)
    : parseTcpTarget(parts[parts.length - 2], last, field, withField);
  const listen = parseListen(direction, listenParts, field, withField);
  return { direction, listen, target };
}

function parseTcpTarget(host: string | undefined, port: string, field: string, fail: (d: string) => never): Endpoint {
  if (host === undefined) return fail('missing target host');
  return { kind: 'tcp', host: parseHostField(host, field), port: parsePort(port, field) };
}

function parseSocketEndpoint(path: string, field: string): Endpoint {
  return { kind: 'unix', path: checkSocketPath(path, field) };
}

function parseListen(direction: Direction, parts: string[], field: string, fail: (d: string) => never): ListenEndpoint {
  if (parts.length === 1 && isSocketField(parts[0]!)) {
    return { kind: 'unix', path: checkSocketPath(parts[0]!, field) };
  }
  if (parts.length === 1) return { kind: 'tcp', bind: undefined, port: parsePort(parts[0]!, field, direction === 'R') };
  if (parts.length === 2) {
    const bind = parseHostField(parts[0]!, field);
    return { kind: 'tcp', bind, port: parsePort(parts[1]!, field, direction === 'R') };
  }
  return fail(parts.length === 0 ? 'missing listen port' : 'expected [bind:]port before the target');
}

/** Wraps IPv6 literals in brackets, as OpenSSH expects inside forward specs. */
export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Renders an endpoint the way a person reads it: `host:port` or the socket path. */
export function formatEndpoint(endpoint: Endpoint | ListenEndpoint): string {
  if (endpoint.kind === 'unix') return endpoint.path;
  const host = 'bind' in endpoint ? (endpoint.bind ?? '*') : endpoint.host;
  return `${formatHost(host)}:${endpoint.port}`;
}

/** Renders a forward back into OpenSSH's -L/-R argument syntax. */
export function formatForwardArg(forward: Forward): string {
  return `${formatListenArg(forward.listen)}:${formatTargetArg(forward.target)}`;
}

/** The listen half of a forward in -L/-R syntax. */
export function formatListenArg(listen: ListenEndpoint): string {
  if (listen.kind === 'unix') return formatPath(listen.path);
  return listen.bind === undefined ? String(listen.port) : `${formatHost(listen.bind)}:${listen.port}`;
}

/** The target half of a forward in -L/-R syntax. */
export function formatTargetArg(target: Endpoint): string {
  return target.kind === 'unix' ? formatPath(target.path) : `${formatHost(target.host)}:${target.port}`;
}

/** A socket path with ':' or '[' only survives OpenSSH's field split as a bracketed (literal) field. */
function formatPath(path: string): string {
  return /[:[]/.test(path) ? `[${path}]` : path;
}
