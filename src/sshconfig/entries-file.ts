import { TunnelError } from '../errors.js';
import { parseName } from '../model/name.js';
import { printable } from '../model/tokens.js';

/** One generated block in tunnel.conf, keyed by its Host alias. */
export interface Entry {
  name: string;
  text: string;
}

export const FILE_HEADER =
  '# Managed by tunnel: `tunnel config --write` and `--remove` rewrite this file, so edits here are lost.\n' +
  '# Each block sits between its own begin/end markers; OpenSSH reads the markers as comments.\n';

const beginMarker = (name: string) => `# >>> tunnel entry ${name}`;
const endMarker = (name: string) => `# <<< tunnel entry ${name}`;
const MARKER = /^# (>>>|<<<) tunnel entry (.*)$/;

/** Checks entries before they touch a file: safe names, unique, one-line-per-line text with no markers. */
export function checkEntries(entries: readonly Entry[]): Entry[] {
  const seen = new Set<string>();
  return entries.map(({ name, text }) => {
    parseName(name, '--host-alias');
    if (seen.has(name))
      throw new TunnelError('BAD_OPTION', `entry '${name}' given twice; pass each Host alias once`, {
        field: 'entries',
      });
    seen.add(name);
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) {
      throw new TunnelError(
        'BAD_OPTION',
        `entry '${name}': text has control characters (${printable(text.slice(0, 60))}…)`,
        { field: 'entries' },
      );
    }
    if (text.split('\n').some((line) => MARKER.test(line))) {
      throw new TunnelError('BAD_OPTION', `entry '${name}': text may not contain tunnel's own marker lines`, {
        field: 'entries',
      });
    }
    return { name, text: text.endsWith('\n') ? text : `${text}\n` };
  });
}

/** Reads the blocks out of tunnel.conf; anything outside markers is tunnel's own header and is dropped. */
export function parseEntriesFile(content: string, path: string): Entry[] {
  const entries: Entry[] = [];
  let open: { name: string; lines: string[] } | undefined;
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const marker = MARKER.exec(line);
    if (marker === null) {
      open?.lines.push(line);
      continue;
    }
    const [, kind, name = ''] = marker;
    if (kind === '>>>' && open === undefined) open = { name, lines: [] };
    else if (kind === '<<<' && open?.name === name) {
      entries.push({ name, text: open.lines.map((l) => `${l}\n`).join('') });
      open = undefined;
    } else throw corrupt(path, line);
  }
  if (open !== undefined) throw corrupt(path, `${beginMarker(open.name)} (no end marker)`);
  return entries;
}

function corrupt(path: string, line: string): TunnelError {
  return new TunnelError(
    'STATE_CORRUPT',
    `${path}: unbalanced marker '${printable(line)}'; restore ${path}.bak or delete the broken block`,
  );
}

/** The whole file for these entries, in order. Deterministic: same entries, same bytes. */
export function composeEntriesFile(entries: readonly Entry[]): string {
  const blocks = entries.map(({ name, text }) => `${beginMarker(name)}\n${text}${endMarker(name)}\n`);
  return [FILE_HEADER, ...blocks].join('\n');
}

/** Replaces entries by name in place; new names are appended in the order given. */
export function upsertEntries(existing: readonly Entry[], updates: readonly Entry[]): Entry[] {
  const byName = new Map(updates.map((e) => [e.name, e]));
  const kept = existing.map((e) => byName.get(e.name) ?? e);
  const known = new Set(existing.map((e) => e.name));
  return [...kept, ...updates.filter((e) => !known.has(e.name))];
}

/** Drops entries by name. */
export function dropEntries(existing: readonly Entry[], names: readonly string[]): Entry[] {
  const gone = new Set(names);
  return existing.filter((e) => !gone.has(e.name));
}

/** The HostName an entry's text declares, as `ssh -G` would print it; undefined when it uses %-tokens or has none. */
export function declaredHostName(text: string): string | undefined {
  const raw = /^\s*HostName(?:\s*=\s*|\s+)(\S.*?)\s*$/im.exec(text)?.[1];
  if (raw === undefined) return undefined;
  const value =
    raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1).replace(/\\(["\\])/g, '$1') : raw;
  const withoutEscapes = value.replaceAll('%%', '');
  return withoutEscapes.includes('%') || /\s/.test(value) ? undefined : value.replaceAll('%%', '%');
}
