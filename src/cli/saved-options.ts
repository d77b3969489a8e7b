import { applyDefaults, getDefaults, getTunnel } from '../profiles/index.js';
import type { TunnelOptions } from '../spec/types.js';

/**
 * What `tunnel up [NAME] flags...` means: the saved tunnel NAME (if given), with any flag
 * given on the command line taking precedence, and stored defaults under both.
 */
export function resolveSavedOptions(name: string | undefined, fromFlags: TunnelOptions): TunnelOptions {
  const saved: TunnelOptions = name === undefined ? {} : withoutPreset(getTunnel(name));
  const merged: TunnelOptions = { ...saved, ...definedOnly(fromFlags) };
  if (name !== undefined && merged.name === undefined) merged.name = name;
  return applyDefaults(merged, getDefaults());
}

function withoutPreset(tunnel: ReturnType<typeof getTunnel>): TunnelOptions {
  const { preset: _preset, presetOptions: _options, ...options } = tunnel;
  return options;
}

/** Only the fields that were actually given (flags left unset must not erase saved values). */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
