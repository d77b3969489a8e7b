import { badSpec } from '../errors.js';

/** Splits an OpenSSH forward spec on ':' while keeping `[ipv6]` groups whole (brackets removed). */
export function splitForwardFields(text: string, field: string): string[] {
  const fields: string[] = [];
  let current = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '[') {
      const close = text.indexOf(']', i);
      if (close === -1)
        throw badSpec(field, `${field} '${printable(text)}': unbalanced '[' (write IPv6 addresses as [::1])`);
      const next = text[close + 1];
      if (current !== '' || (next !== undefined && next !== ':')) {
        throw badSpec(
          field,
          `${field} '${printable(text)}': a bracketed IPv6 address must be a whole field, like [::1]:8080`,
        );
      }
      fields.push(text.slice(i + 1, close));
      i = close + 2;
      if (next === undefined) return fields;
      continue;
    }
    if (ch === ']')
      throw badSpec(field, `${field} '${printable(text)}': unbalanced ']' (write IPv6 addresses as [::1])`);
    if (ch === ':') {
      fields.push(current);
      current = '';
    } else {
      current += ch;
    }
    i += 1;
  }
  fields.push(current);
  return fields;
}

/** True when a field names a Unix socket (OpenSSH treats any field with '/' as a path). */
export function isSocketField(value: string): boolean {
  return value.includes('/');
}

/** Parses a port field; `allowZero` is for -R listeners, where 0 asks the server to pick. */
export function parsePort(value: string, field: string, allowZero = false): number {
  if (!/^\d{1,5}$/.test(value)) {
    throw badSpec(field, `${field}: port '${printable(value)}' is not a number (expected 1-65535)`);
  }
  const port = Number(value);
  const min = allowZero ? 0 : 1;
  if (port < min || port > 65535) {
    throw badSpec(field, `${field}: port ${port} is out of range (expected ${min}-65535)`);
  }
  return port;
}

const HOST_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$|^[A-Za-z0-9]$/;
const IPV6_PATTERN = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?$/;

/** Validates a host name, IPv4 or IPv6 literal used as a bind address or forward target. */
export function parseHostField(value: string, field: string): string {
  if (value === '') throw badSpec(field, `${field}: empty host (expected a name or address)`);
  if (value.includes(':')) {
    if (!IPV6_PATTERN.test(value)) throw badSpec(field, `${field}: '${printable(value)}' is not a valid IPv6 address`);
    return value;
  }
  if (value === '*') return value;
  if (!HOST_PATTERN.test(value) || value.length > 253) {
    throw badSpec(field, `${field}: '${printable(value)}' is not a valid host name (letters, digits, '.', '-', '_')`);
  }
  return value;
}

/**
 * Makes remote text safe for a terminal: control characters (ESC, BEL, CSI...) become visible
 * \\uXXXX escapes, so a login node's banner or .bashrc cannot retitle or clear the user's screen.
 * Tabs and newlines stay.
 */
export function escapeControls(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Renders a value safely inside an error message (control characters made visible). */
export function printable(value: string): string {
  // JSON escapes C0 controls; also escape DEL, C1 (0x9b is CSI on some terminals), line separators and bidi overrides.
  return JSON.stringify(value)
    .slice(1, -1)
    .replace(
      /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
}
