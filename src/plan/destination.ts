import { formatHop } from '../spec/hop.js';
import type { Hop } from '../spec/types.js';

/** `[-p PORT] [user@]host`, the way ssh takes a destination. */
export function destinationArgs(hop: Hop): string[] {
  const host = hop.user === undefined ? hop.host : `${hop.user}@${hop.host}`;
  return hop.port === undefined ? [host] : ['-p', String(hop.port), host];
}

/** `-J a,b` for the given hops, or nothing. */
export function jumpArgs(hops: readonly Hop[]): string[] {
  return hops.length === 0 ? [] : ['-J', hops.map(formatHop).join(',')];
}
