import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TunnelError } from '../errors.js';
import type { NamedTunnel, SaveInput, SaveResult } from '../saved/index.js';
import { CONFIG_FILE, configDir } from '../saved/paths.js';
import type { TunnelOptions } from '../model/types.js';
import { checkName, checkOptions } from './validate.js';

export type { NamedTunnel as SavedTunnelEntry, SaveInput, SaveResult } from '../saved/index.js';
/** The command-line flags that recreate a saved tunnel (`tunnel save NAME <flags>`). Pure. */
export { savedTunnelFlags } from '../saved/flags.js';

export interface SaveOptions {
  /** What `tunnel up NAME` and start({ saved: NAME }) will find it under; replaces one of the same name. */
  name: string;
  /** The tunnel, as up() takes it (its own `name` is ignored), optionally naming a preset and its options. */
  tunnel: SaveInput;
}

// The store (conf) costs ~90 ms to load: only callers that use it pay for it.
const store = () => import('../saved/index.js');

/** Validates, then stores a named tunnel (in $TUNNEL_CONFIG_DIR/config.json, 0600); bad options store nothing. */
export async function save(options: SaveOptions): Promise<SaveResult> {
  const { name, tunnel } = checkOptions(options, 'save');
  checkName(name, 'NAME');
  const { name: _ignored, ...settings } = checkOptions(tunnel, 'save: tunnel');
  return (await store()).saveTunnel(name, settings);
}

/** Every saved tunnel, sorted by name (what `tunnel ls --saved` shows). */
export async function listSaved(): Promise<NamedTunnel[]> {
  return (await store()).listSaved();
}

/** One saved tunnel, its name included; NOT_FOUND when there is none of that name. */
export async function getSaved(name: string): Promise<NamedTunnel> {
  return (await store()).getTunnel(checkName(name, 'NAME'));
}

/** Deletes every one of `names`, or none when one of them is not saved (NOT_FOUND); returns the names removed. */
export async function removeSaved(names: string | readonly string[]): Promise<string[]> {
  const list = typeof names === 'string' ? [names] : names;
  if (!Array.isArray(list) || list.length === 0)
    throw new TunnelError('BAD_OPTION', 'removeSaved(): name at least one saved tunnel', { field: 'names' });
  return (await store()).removeTunnels(list.map((name) => checkName(name, 'NAME')));
}

/**
 * What `tunnel up [NAME] flags...` runs: the saved tunnel (already read, if NAME named one) with
 * every option given in `overrides` taking precedence, and the stored defaults under both. The
 * store is only opened when there is a store file to read.
 */
export async function withStoredDefaults(
  saved: TunnelOptions | undefined,
  overrides: TunnelOptions,
): Promise<TunnelOptions> {
  if (saved === undefined && !existsSync(join(configDir(), CONFIG_FILE))) return definedOnly(overrides);
  const { applyDefaults, getDefaults } = await store();
  return applyDefaults({ ...saved, ...definedOnly(overrides) }, getDefaults());
}

/** Only the fields that were actually given (options left unset must not erase saved values). */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
