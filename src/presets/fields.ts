import { TunnelError } from '../errors.js';

/** Reads typed fields out of parsed JSON, failing with the file and the dotted field path. */
export class FieldReader {
  constructor(private readonly file: string) {}

  fail(field: string, detail: string): never {
    throw new TunnelError('CONFIG_INVALID', `${this.file}: field '${field}': ${detail}`, { field });
  }

  object(value: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.fail(field, `expected an object, got ${describe(value)}`);
    }
    const record = value as Record<string, unknown>;
    // Unknown keys are typos until proven otherwise: a misspelt field would silently fall back to a default.
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) this.fail(join(field, key), `unknown field (expected one of: ${allowed.join(', ')})`);
    }
    return record;
  }

  string(record: Record<string, unknown>, key: string, parent: string): string {
    const value = record[key];
    const field = join(parent, key);
    if (typeof value !== 'string' || value === '')
      return this.fail(field, `expected a non-empty string, got ${describe(value)}`);
    if (/[\u0000-\u001f\u007f]/.test(value)) this.fail(field, 'must be one line without control characters');
    return value;
  }

  strings(record: Record<string, unknown>, key: string, parent: string): string[] {
    const value = record[key];
    const field = join(parent, key);
    if (!Array.isArray(value) || value.length === 0)
      return this.fail(field, `expected a non-empty array of strings, got ${describe(value)}`);
    return value.map((item, i) => {
      if (typeof item !== 'string' || item === '')
        return this.fail(`${field}[${i}]`, `expected a non-empty string, got ${describe(item)}`);
      if (/[\u0000-\u001f\u007f]/.test(item)) this.fail(`${field}[${i}]`, 'must not contain control characters');
      return item;
    });
  }

  integer(record: Record<string, unknown>, key: string, parent: string, min: number, max: number): number {
    const value = record[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(join(parent, key), `expected a whole number from ${min} to ${max}, got ${describe(value)}`);
    }
    return value;
  }

  optionalBoolean(record: Record<string, unknown>, key: string, parent: string): boolean | undefined {
    const value = record[key];
    if (value === undefined || typeof value === 'boolean') return value;
    return this.fail(join(parent, key), `expected true or false, got ${describe(value)}`);
  }
}

function join(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- not an object here: a number, boolean, bigint, symbol or function, which String() prints as meant
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
