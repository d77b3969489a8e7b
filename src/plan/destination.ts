import { formatHop } from '../model/hop.js';
import type { Hop } from '../model/types.js';

/** `[user@]host`: the destination word, without the port. */
export function destinationOf(hop: Hop): string {
  return hop.user === undefined ? hop.host : `${hop.user}@${hop.host}`;
}

/** `[-p PORT] [user@]host`, the way ssh takes a destination. */
export function destinationArgs(hop: Hop): string[] {
  const host = destinationOf(hop);
  return hop.port === undefined ? [host] : ['-p', String(hop.port), host];
}

/** `-J a,b` for the given hops, or nothing. */
export function jumpArgs(hops: readonly Hop[]): string[] {
  return hops.length === 0 ? [] : ['-J', hops.map(formatHop).join(',')];
}
