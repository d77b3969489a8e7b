import { badSpec } from '../errors.js';
import { printable } from '../model/tokens.js';

/** Characters ssh_config reads literally in an unquoted token (no space, quote, backslash, '=' or '#'). */
const BARE = /^[A-Za-z0-9_@%+:,./~[\]*!?-]+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * One ssh_config token. OpenSSH (8.7+) splits a directive's arguments like argv_split():
 * double quotes group words, and a backslash escapes '"' and '\'. A control character
 * (newline above all) could start a second directive, so it is refused, never escaped.
 */
export function quoteConfigValue(value: string, field: string): string {
  rejectControl(value, field);
  if (BARE.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}

/** Throws unless `value` fits on one ssh_config line. */
export function rejectControl(value: string, field: string): string {
  if (CONTROL.test(value)) {
    throw badSpec(
      field,
      `${field} '${printable(value)}': contains a newline or control character, which ssh_config cannot hold`,
    );
  }
  return value;
}

/** For directives OpenSSH %-expands (HostName, UserKnownHostsFile), a value copied from `ssh -G` is already expanded. */
export function escapePercent(value: string): string {
  return value.replaceAll('%', '%%');
}
