import { TunnelError } from '../errors.js';
import { ROOT_NODE, type SchemaNode } from './schema.js';

const EDIT_FIX = 'edit the file to fix it (tunnel has not changed it)';

/** Why the file cannot be used, one line: the file, the key, what was found and what was expected. */
function corrupt(file: string, detail: string, cause?: unknown, fix = EDIT_FIX): TunnelError {
  return new TunnelError('STATE_CORRUPT', `${file}: ${detail}; ${fix}`, { cause });
}

/** A well-formed entry that parseTunnelSpec (or a host check) rejects: same one line, with a way out. */
export function describeInvalidEntry(
  file: string,
  segments: readonly string[],
  error: TunnelError,
  fix?: string,
): TunnelError {
  return corrupt(file, `${formatKey(segments)}: ${error.message}`, error, fix);
}

/** JSON.parse failed: say where, and the nearest key before the spot, so a person can find it. */
export function describeJsonError(file: string, text: string, error: unknown): TunnelError {
  if (text.trim() === '') return corrupt(file, 'the file is empty, expected a JSON object like {"tunnels": {}}', error);
  const raw = error instanceof Error ? error.message : String(error);
  const reason = raw.replace(/\s*(?:in JSON )?at position \d+.*$/, '').replace(/\s+/g, ' ');
  const at = /at position (\d+)/.exec(raw)?.[1];
  if (at === undefined) return corrupt(file, `not valid JSON (${reason})`, error);
  const position = Number(at);
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  const keys = [...before.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)];
  const near = keys.length === 0 ? '' : ` after key "${keys[keys.length - 1]![1]}"`;
  return corrupt(file, `not valid JSON at line ${line} column ${column}${near} (${reason})`, error);
}

interface Violation {
  segments: string[];
  message: string;
}

/** Reads conf's "Config schema violation: `a/b` must be ...; `c` ..." message back into paths. */
export function parseViolations(message: string): Violation[] {
  const found: Violation[] = [];
  for (const match of message.matchAll(/`([^`]*)` ([^;]*)/g)) {
    const pointer = match[1]!;
    const segments = pointer === '' ? [] : pointer.split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    found.push({ segments, message: match[2]!.trim() });
  }
  return found.filter((v) => v.message !== 'property name must be valid');
}

/** conf rejected the data against the schema: name the first bad key and what it should be. */
export function describeSchemaViolation(file: string, data: unknown, confMessage: string): TunnelError {
  const violations = parseViolations(confMessage);
  const first = violations[0];
  if (first === undefined) return corrupt(file, confMessage.replace(/\s+/g, ' '));
  const more =
    violations.length > 1 ? ` (and ${violations.length - 1} more problem${violations.length > 2 ? 's' : ''})` : '';
  return corrupt(file, `${describeViolation(first, data)}${more}`);
}

function describeViolation({ segments, message }: Violation, data: unknown): string {
  const node = schemaAt(segments);
  const value = valueAt(data, segments);
  const key = formatKey(segments);
  if (message.startsWith('must NOT have additional properties')) {
    const allowed = Object.keys(node?.properties ?? {});
    const unknown = Object.keys(isObject(value) ? value : {}).filter((k) => !allowed.includes(k));
    return `${key}: unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')} (expected only ${allowed.join(', ')})`;
  }
  if (message.startsWith('must match pattern') && segments.length === 1 && segments[0] === 'tunnels') {
    const bad = Object.keys(isObject(value) ? value : {}).filter((k) => !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(k));
    return `${key}: tunnel name ${bad.map((k) => JSON.stringify(k)).join(', ')} is not allowed (expected 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit)`;
  }
  return `${key} is ${formatValue(value)}, expected ${node === undefined ? message : describeExpected(node)}`;
}

/** The schema node that governs the value at `segments`. */
function schemaAt(segments: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = ROOT_NODE;
  for (const segment of segments) {
    if (node === undefined) return undefined;
    const additional: SchemaNode | undefined =
      typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
    node = node.properties?.[segment] ?? node.items ?? additional;
  }
  return node;
}

function valueAt(data: unknown, segments: readonly string[]): unknown {
  let value = data;
  for (const segment of segments) {
    if (Array.isArray(value)) value = value[Number(segment)];
    else if (isObject(value)) value = value[segment];
    else return undefined;
  }
  return value;
}

/** `tunnels.web.local[0]`; names with unusual characters are quoted: `tunnels["a b"]`. */
export function formatKey(segments: readonly string[]): string {
  if (segments.length === 0) return 'the top level';
  return segments
    .map((segment, i) => {
      if (/^\d+$/.test(segment) && i > 0) return `[${segment}]`;
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) return i === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join('');
}

function describeExpected(node: SchemaNode): string {
  if (node.enum !== undefined) return `one of ${node.enum.join(', ')}`;
  const types = typeof node.type === 'string' ? [node.type] : [...(node.type ?? [])];
  if (types.length > 1) return `a ${types.join(' or ')}`;
  switch (types[0]) {
    case 'integer':
      return `a whole number from ${node.minimum ?? '-∞'} to ${node.maximum ?? '∞'}`;
    case 'string':
      return node.pattern === undefined ? 'a non-empty string' : `a name matching ${node.pattern}`;
    case 'array':
      return 'a list of non-empty strings, like ["a", "b"]';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'an object ({...})';
    default:
      return 'a valid value';
  }
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return `a list ${truncate(JSON.stringify(value))}`;
  if (isObject(value)) return 'an object';
  return truncate(JSON.stringify(value));
}

const truncate = (text: string): string => (text.length > 40 ? `${text.slice(0, 37)}...` : text);

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
