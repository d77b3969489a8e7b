import { badSpec } from '../errors.js';
import { printable } from './tokens.js';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Validates a tunnel, profile or preset name: it becomes a file name, so no '/', '..' or leading '-'. */
export function parseName(value: string, field = '--name'): string {
  if (!NAME_PATTERN.test(value) || value.includes('..')) {
    throw badSpec(
      field,
      `${field} '${printable(value.slice(0, 80))}': expected 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return value;
}
