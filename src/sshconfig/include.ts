import { quoteConfigValue } from './quote.js';

const INCLUDE = /^\s*include(?:\s*=\s*|\s+)(.*)$/i;
const BLOCK_START = /^\s*(?:host|match)(?:\s*=|\s)/i;

/** The one line tunnel adds to the main config. */
export function includeLine(target: string): string {
  return `Include ${quoteConfigValue(target, 'Include')}`;
}

/** True when the line is an Include naming one of `paths` (ours, written relative, with ~ or absolute). */
export function isOurInclude(line: string, paths: readonly string[]): boolean {
  const match = INCLUDE.exec(line.replace(/\r$/, ''));
  if (match === null) return false;
  const args = (match[1] ?? '').match(/"[^"]*"|'[^']*'|[^\s"']+/g) ?? [];
  return args.map((arg) => arg.replace(/^["']|["']$/g, '')).some((arg) => paths.includes(arg));
}

/** True when one of our Include lines comes before the first Host/Match, where it applies to every host. */
export function hasGlobalInclude(config: string, paths: readonly string[]): boolean {
  for (const line of config.split('\n')) {
    if (BLOCK_START.test(line)) return false;
    if (isOurInclude(line, paths)) return true;
  }
  return false;
}

/**
 * The config with our Include as its first line, so it precedes every Host/Match (and every
 * global option: for ssh_config the first value wins). The user's lines stay byte-for-byte.
 */
export function ensureInclude(config: string, paths: readonly string[], line: string): string {
  if (hasGlobalInclude(config, paths)) return config;
  const newline = config.includes('\r\n') ? '\r\n' : '\n';
  return `${line}${newline}${config}`;
}

/** For validation only: every Include of ours points at `line`'s file instead (the candidate tunnel.conf). */
export function redirectInclude(config: string, paths: readonly string[], line: string): string {
  return config
    .split('\n')
    .map((l) => (isOurInclude(l, paths) ? (l.endsWith('\r') ? `${line}\r` : line) : l))
    .join('\n');
}
