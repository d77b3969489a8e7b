import { badSpec } from '../errors.js';
import { parsePort, printable } from './tokens.js';
import type { Hop } from './types.js';

const USER_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
const HOST_PATTERN = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,252})$/;

/** Parses one hop written like ssh -J: `[user@]host[:port]`, `[user@][ipv6][:port]`, or an ssh_config alias. */
export function parseHop(text: string, field = '--via'): Hop {
  const fail = (detail: string): never => {
    throw badSpec(field, `${field} '${printable(text)}': ${detail}`);
  };
  if (text === '') fail('empty host (expected [user@]host[:port])');
  if (text.startsWith('-')) fail("a host may not start with '-' (ssh would read it as an option)");
  const at = text.lastIndexOf('@');
  const user = at === -1 ? undefined : text.slice(0, at);
  const rest = at === -1 ? text : text.slice(at + 1);
  if (user !== undefined && !USER_PATTERN.test(user))
    fail(`user '${printable(user)}' has characters ssh users cannot have`);
  const { host, port } = splitHostPort(rest, fail);
  if (host.includes(':')) {
    if (!/^[0-9A-Fa-f:.]+$/.test(host)) fail(`'${printable(host)}' is not a valid IPv6 address`);
  } else if (!HOST_PATTERN.test(host)) {
    fail(`host '${printable(host)}' may only contain letters, digits, '.', '-' and '_'`);
  }
  return { user, host, port: port === undefined ? undefined : parsePort(port, field) };
}

function splitHostPort(text: string, fail: (d: string) => never): { host: string; port: string | undefined } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return fail("unbalanced '[' (write IPv6 hops as [::1]:22)");
    const after = text.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) fail("expected ':port' after ']'");
    return { host: text.slice(1, close), port: after === '' ? undefined : after.slice(1) };
  }
  const colon = text.indexOf(':');
  if (colon === -1) return { host: text, port: undefined };
  if (text.indexOf(':', colon + 1) !== -1) fail('IPv6 hops need brackets, like [::1]:22');
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

/** Parses `--via` values: repeatable and/or comma-separated, in order. */
export function parseHopList(values: string | readonly string[] | undefined, field = '--via'): Hop[] {
  const list = values === undefined ? [] : typeof values === 'string' ? [values] : values;
  const hops: Hop[] = [];
  for (const value of list) {
    const parts = value.split(',');
    for (const part of parts) hops.push(parseHop(part.trim() === part ? part : fail(field, value), field));
  }
  return hops;
}

function fail(field: string, value: string): never {
  throw badSpec(field, `${field} '${printable(value)}': hop names may not contain spaces`);
}

/** Renders a hop the way ssh -J and the command line take it. */
export function formatHop(hop: Hop): string {
  // Always bracketed: `ssh -J ::1` and `-J user@fd00::2` are rejected as invalid -J arguments.
  const host = hop.host.includes(':') ? `[${hop.host}]` : hop.host;
  const user = hop.user === undefined ? '' : `${hop.user}@`;
  return `${user}${host}${hop.port === undefined ? '' : `:${hop.port}`}`;
}
