import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE, configDir } from '../profiles/paths.js';
import type { TunnelOptions } from '../spec/types.js';

/**
 * What `tunnel up [NAME] flags...` means: the saved tunnel (already read, if NAME named one),
 * with any flag given on the command line taking precedence, and stored defaults under both.
 * The store (conf, ~90 ms to load) is only opened when there is a store file to read.
 */
export async function resolveSavedOptions(saved: TunnelOptions | undefined, fromFlags: TunnelOptions): Promise<TunnelOptions> {
  if (saved === undefined && !existsSync(join(configDir(), CONFIG_FILE))) return definedOnly(fromFlags);
  const { applyDefaults, getDefaults } = await import('../profiles/index.js');
  return applyDefaults({ ...saved, ...definedOnly(fromFlags) }, getDefaults());
}

/** Only the fields that were actually given (flags left unset must not erase saved values). */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
