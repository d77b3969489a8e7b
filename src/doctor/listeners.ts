/** Reading TCP listeners out of `ss -ltn`, `netstat -ltn` or /proc/net/tcp{,6}, whichever the host had. */

export interface Listener {
  address: string;
  port: number;
}

export type Scope = 'wildcard' | 'loopback' | 'specific';

/** All listening sockets found in the text; lines that are not listeners are skipped. */
export function parseListeners(text: string): Listener[] {
  const found: Listener[] = [];
  for (const line of text.split('\n')) {
    const listener = parseProcLine(line) ?? parseTableLine(line);
    if (listener !== undefined) found.push(listener);
  }
  return found;
}

/** ss/netstat: the first `addr:port` column is the local address (the peer column ends in `:*`). */
function parseTableLine(line: string): Listener | undefined {
  if (!/LISTEN/.test(line)) return undefined;
  for (const token of line.trim().split(/\s+/)) {
    const match = /^(.*):(\d{1,5})$/.exec(token);
    if (match !== null) return { address: normalize(match[1]!), port: Number(match[2]) };
  }
  return undefined;
}

/** /proc/net/tcp: `sl local_address rem_address st ...`, hex, little-endian words, state 0A = LISTEN. */
function parseProcLine(line: string): Listener | undefined {
  const match = /^\s*\d+:\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})\s+\S+\s+0A\b/.exec(line);
  if (match === null) return undefined;
  return { address: hexAddress(match[1]!), port: Number.parseInt(match[2]!, 16) };
}

function hexAddress(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((word) => word.match(/../g)!.reverse().join(''));
  const dotted = (word: string) =>
    word
      .match(/../g)!
      .map((byte) => Number.parseInt(byte, 16))
      .join('.');
  if (hex.length === 8) return dotted(words[0]!);
  if (words.slice(0, 3).join('').toLowerCase() === '00000000000000000000ffff') return `::ffff:${dotted(words[3]!)}`;
  const groups = words
    .join('')
    .match(/.{4}/g)!
    .map((group) => group.replace(/^0+(?=.)/, ''));
  return groups
    .join(':')
    .replace(/^(0:)+0$/, '::')
    .replace(/^(0:)+1$/, '::1');
}

function normalize(address: string): string {
  return address.replace(/^\[|\]$/g, '').replace(/%[^:\]]+$/, '');
}

/** Where a listener accepts connections from. */
export function scopeOf(address: string): Scope {
  const bare = normalize(address).replace(/^::ffff:(?=\d)/, '');
  if (['*', '0.0.0.0', '::', '0:0:0:0:0:0:0:0'].includes(bare)) return 'wildcard';
  if (bare === '::1' || bare === 'localhost' || /^127\./.test(bare)) return 'loopback';
  return 'specific';
}

/** The widest scope among listeners on `port` (IPv4 and IPv6 may differ), or undefined if absent. */
export function scopeOfPort(listeners: readonly Listener[], port: number): Scope | undefined {
  const scopes = listeners.filter((l) => l.port === port).map((l) => scopeOf(l.address));
  if (scopes.length === 0) return undefined;
  if (scopes.includes('wildcard')) return 'wildcard';
  return scopes.includes('specific') ? 'specific' : 'loopback';
}
