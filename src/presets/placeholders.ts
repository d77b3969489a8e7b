/** Same grammar as parseName (model/name.ts): preset names become file names. */
export const NAME_PATTERN_SOURCE = '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** Names of the `{placeholders}` in a template word, in order. */
export function placeholdersIn(word: string): string[] {
  return [...word.matchAll(PLACEHOLDER)].map((match) => match[1]!);
}

/** Replaces `{name}` with values[name]; unknown placeholders are left alone (validation rejects them first). */
export function fillPlaceholders(word: string, values: Readonly<Record<string, string | number>>): string {
  return word.replace(PLACEHOLDER, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
