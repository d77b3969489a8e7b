import { TunnelError } from '../errors.js';
import { parseName } from '../model/name.js';
import { printable } from '../model/tokens.js';

/** The one options object an entry point takes: a plain object, or a one-line BAD_OPTION naming the call. */
export function checkOptions<T extends object>(value: T | undefined, call: string, required = true): T {
  if (value === undefined && !required) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TunnelError('BAD_OPTION', `${call}(): expected one options object, got ${describe(value)}`, {
      field: 'options',
    });
  }
  return value;
}

/** A tunnel or saved-tunnel name, validated as every file name under the state dir is (BAD_SPEC otherwise). */
export function checkName(value: unknown, field: string): string {
  if (typeof value !== 'string')
    throw new TunnelError('BAD_OPTION', `${field}: expected a name (a string), got ${describe(value)}`, { field });
  return parseName(value, field);
}

/** A whole number of milliseconds (or a count) within [min, max]; undefined passes through for the default. */
export function checkInteger(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TunnelError(
      'BAD_OPTION',
      `${field}: expected a whole number from ${min} to ${max}, got ${describe(value)}`,
      { field },
    );
  }
  return value;
}

export function checkBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new TunnelError('BAD_OPTION', `${field}: expected true or false, got ${describe(value)}`, { field });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${printable(value.slice(0, 60))}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}
