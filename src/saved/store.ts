import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Conf from 'conf';
import { TunnelError } from '../errors.js';
import { parseName } from '../model/name.js';
import { describeInvalidEntry, describeJsonError, describeSchemaViolation } from './corrupt.js';
import { resolveDefaults } from './defaults.js';
import { withLock } from '../os/lock.js';
import { CONFIG_FILE, checkPrivateFile, configDir, ensureConfigDir, isConfigDirPrivate } from './paths.js';
import { ROOT_SCHEMA, STORE_SCHEMA } from './schema.js';
import type { Defaults, SavedTunnel, StoreData, StoreOptions } from './types.js';
import {
  keyForField,
  patchDefaults,
  toSavedTunnel,
  validateDefaults,
  validateSavedTunnel,
  type DefaultsInput,
  type SaveInput,
} from './validate.js';

export type NamedTunnel = SavedTunnel & { name: string };

export interface SaveResult {
  name: string;
  tunnel: SavedTunnel;
  /** A tunnel of that name existed and was overwritten. */
  replaced: boolean;
  file: string;
}

/** Where saved tunnels live (the file may not exist yet). */
export function savedTunnelsFile(options: StoreOptions = {}): string {
  return join(options.dir ?? configDir(), CONFIG_FILE);
}

/** Validates, then stores `name` (replacing any tunnel of that name). Bad input stores nothing. */
export async function saveTunnel(name: string, input: SaveInput, options: StoreOptions = {}): Promise<SaveResult> {
  parseName(name, 'NAME');
  const tunnel = toSavedTunnel(input);
  return mutate(options, [name], (data, file) => {
    const tunnels = data.tunnels ?? {};
    const replaced = Object.hasOwn(tunnels, name);
    return { data: { ...data, tunnels: { ...tunnels, [name]: tunnel } }, result: { name, tunnel, replaced, file } };
  });
}

/** The saved tunnel `name`, as options (name included); throws NOT_FOUND. */
export function getTunnel(name: string, options: StoreOptions = {}): NamedTunnel {
  parseName(name, 'NAME');
  const { data } = load(options, []);
  const tunnel = data.tunnels?.[name];
  if (tunnel === undefined || !Object.hasOwn(data.tunnels ?? {}, name)) throw notFound(name);
  return { name, ...tunnel };
}

/** Every saved tunnel, sorted by name. */
export function listSaved(options: StoreOptions = {}): NamedTunnel[] {
  const { data } = load(options, []);
  return Object.entries(data.tunnels ?? {})
    .map(([name, tunnel]) => ({ name, ...tunnel }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Removes one saved tunnel; throws NOT_FOUND. */
export async function removeTunnel(name: string, options: StoreOptions = {}): Promise<void> {
  await removeTunnels([name], options);
}

/** Removes all of `names` or, if one is missing, none of them (throws NOT_FOUND). */
export async function removeTunnels(names: readonly string[], options: StoreOptions = {}): Promise<string[]> {
  for (const name of names) parseName(name, 'NAME');
  return mutate(options, names, (data) => {
    const tunnels = { ...data.tunnels };
    const missing = names.find((name) => !Object.hasOwn(tunnels, name));
    if (missing !== undefined) throw notFound(missing);
    for (const name of names) delete tunnels[name];
    return { data: { ...data, tunnels }, result: [...new Set(names)] };
  });
}

/** Stored defaults over the built-in ones. */
export function getDefaults(options: StoreOptions = {}): Defaults {
  return resolveDefaults(load(options, []).data.defaults);
}

/** Merges `patch` into the stored defaults (`null` clears a field); returns the result. */
export async function setDefaults(patch: DefaultsInput, options: StoreOptions = {}): Promise<Defaults> {
  return mutate(options, [], (data) => {
    const defaults = patchDefaults(data.defaults ?? {}, patch);
    return { data: { ...data, defaults }, result: resolveDefaults(defaults) };
  });
}

function notFound(name: string): TunnelError {
  return new TunnelError('NOT_FOUND', `no saved tunnel '${name}'; see \`tunnel ls --saved\``);
}

interface Loaded {
  file: string;
  /** Undefined when there is no directory yet (reads only; mutate creates it first). */
  conf: Conf<StoreData> | undefined;
  data: StoreData;
}

/** Read-modify-write under the lock; conf validates against the schema and writes atomically (0600). */
async function mutate<T>(
  options: StoreOptions,
  replacing: readonly string[],
  change: (data: StoreData, file: string) => { data: StoreData; result: T },
): Promise<T> {
  const dir = options.dir ?? configDir();
  ensureConfigDir(dir);
  return withLock(
    join(dir, `${CONFIG_FILE}.lock`),
    () => {
      const { conf, data, file } = load({ ...options, dir }, replacing);
      if (conf === undefined) throw new TunnelError('STATE_CORRUPT', `${dir} disappeared while saving; try again`);
      const next = change(data, file);
      conf.store = next.data;
      return next.result;
    },
    { timeoutMs: options.lockTimeoutMs },
  );
}

/**
 * Opens the store, refusing (never resetting) a file that is not what we write: bad JSON,
 * schema violations, and entries parseTunnelSpec rejects. `skip` entries are about to be
 * replaced or removed, so their problems do not block that.
 */
function load(options: StoreOptions, skip: readonly string[]): Loaded {
  const dir = options.dir ?? configDir();
  const file = join(dir, CONFIG_FILE);
  if (!isConfigDirPrivate(dir)) return { file, conf: undefined, data: {} };
  checkPrivateFile(file);
  const parsed = readJson(file);
  let conf: Conf<StoreData>;
  try {
    conf = new Conf<StoreData>({
      cwd: dir,
      configName: 'config',
      schema: STORE_SCHEMA,
      rootSchema: ROOT_SCHEMA,
      ajvOptions: { allowUnionTypes: true },
      configFileMode: 0o600,
      clearInvalidConfig: false,
      accessPropertiesByDotNotation: false,
    });
  } catch (error) {
    throw wrapConfError(file, parsed, error);
  }
  const data = parsed ?? {};
  checkEntries(file, data, skip);
  return { file, conf, data };
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TunnelError(
      'STATE_CORRUPT',
      `${file}: cannot read it (${(error as Error).message}); check its owner and permissions`,
      { cause: error },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw describeJsonError(file, text, error);
  }
}

function wrapConfError(file: string, parsed: unknown, error: unknown): TunnelError {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('Config schema violation:')) return describeSchemaViolation(file, parsed, message);
  return new TunnelError(
    'STATE_CORRUPT',
    `${file}: cannot be loaded (${message.split('\n')[0]}); edit or move the file`,
    { cause: error },
  );
}

function checkEntries(file: string, data: StoreData, skip: readonly string[]): void {
  for (const [name, tunnel] of Object.entries(data.tunnels ?? {})) {
    if (skip.includes(name)) continue;
    try {
      validateSavedTunnel(tunnel);
    } catch (error) {
      if (!(error instanceof TunnelError)) throw error;
      const key = keyForField(error);
      throw describeInvalidEntry(
        file,
        ['tunnels', name, ...(key === undefined ? [] : [key])],
        error,
        `fix it in the file or remove it with \`tunnel rm ${name}\``,
      );
    }
  }
  try {
    validateDefaults(data.defaults ?? {});
  } catch (error) {
    if (!(error instanceof TunnelError)) throw error;
    throw describeInvalidEntry(file, ['defaults', ...(error.field === undefined ? [] : [error.field])], error);
  }
}
