import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE, configDir } from '../profiles/paths.js';
import type { TunnelOptions } from '../spec/types.js';

/**
 * What `tunnel up [NAME] flags...` means: the saved tunnel NAME (if given), with any flag
 * given on the command line taking precedence, and stored defaults under both. The store
 * (conf, ~90 ms to load) is only opened when there is a name or a store file to read.
 */
export async function resolveSavedOptions(name: string | undefined, fromFlags: TunnelOptions): Promise<TunnelOptions> {
  if (name === undefined && !existsSync(join(configDir(), CONFIG_FILE))) return definedOnly(fromFlags);
  const { applyDefaults, getDefaults, getTunnel } = await import('../profiles/index.js');
  const saved: TunnelOptions = name === undefined ? {} : withoutPreset(getTunnel(name));
  const merged: TunnelOptions = { ...saved, ...definedOnly(fromFlags) };
  if (name !== undefined && merged.name === undefined) merged.name = name;
  return applyDefaults(merged, getDefaults());
}

function withoutPreset<T extends { preset?: unknown; presetOptions?: unknown }>(tunnel: T): Omit<T, 'preset' | 'presetOptions'> {
  const { preset: _preset, presetOptions: _options, ...options } = tunnel;
  return options;
}

/** Only the fields that were actually given (flags left unset must not erase saved values). */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
