import { TunnelError } from '../errors.js';

const MARKER = /@@([A-Z_]+)@@/g;

/**
 * Fills `@@KEY@@` markers (chosen so they never clash with shell `${...}` or XML). Values
 * must already be escaped for the file's language; a marker without a value is a template bug.
 */
export function renderTemplate(text: string, values: Readonly<Record<string, string>>, file: string): string {
  return text.replace(MARKER, (_, key: string) => {
    const value = values[key];
    if (value === undefined)
      throw new TunnelError('CONFIG_INVALID', `templates/${file}: unknown marker @@${key}@@`, { field: key });
    return value;
  });
}
