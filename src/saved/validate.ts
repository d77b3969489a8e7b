import { resolve } from 'node:path';
import { badSpec, type TunnelError } from '../errors.js';
import { parseHopList } from '../model/hop.js';
import { parseName } from '../model/name.js';
import { parseHostField } from '../model/tokens.js';
import { parseInteger, parseTunnelSpec } from '../model/tunnel.js';
import type { TunnelOptions } from '../model/types.js';
import type { SavedTunnel, StoredDefaults } from './types.js';

/** What a caller may save: the library's TunnelOptions plus an optional preset. */
export interface SaveInput extends TunnelOptions {
  preset?: string | undefined;
  presetOptions?: Record<string, string | number | boolean> | undefined;
}

/** What a caller may set as defaults; `null` clears a field. */
export interface DefaultsInput {
  keepalive?: number | string | null | undefined;
  keepaliveCount?: number | string | null | undefined;
  connectTimeout?: number | string | null | undefined;
  localBind?: string | null | undefined;
  via?: string | readonly string[] | null | undefined;
}

/** Turns input into the stored shape (lists split, numbers as numbers, -F absolute), then validates it. */
export function toSavedTunnel(input: SaveInput): SavedTunnel {
  const saved: SavedTunnel = {};
  if (input.via !== undefined) saved.via = splitList(input.via);
  if (input.to !== undefined) saved.to = input.to;
  if (input.local !== undefined && input.local.length > 0) saved.local = [...input.local];
  if (input.remote !== undefined && input.remote.length > 0) saved.remote = [...input.remote];
  if (input.strategy !== undefined) saved.strategy = input.strategy as SavedTunnel['strategy'];
  if (input.keepalive !== undefined) saved.keepalive = parseInteger(input.keepalive, '--keepalive', 0, 1, 3600);
  if (input.keepaliveCount !== undefined)
    saved.keepaliveCount = parseInteger(input.keepaliveCount, '--keepalive-count', 0, 1, 100);
  if (input.connectTimeout !== undefined)
    saved.connectTimeout = parseInteger(input.connectTimeout, '--connect-timeout', 0, 1, 600);
  if (input.sshConfig !== undefined)
    saved.sshConfig = input.sshConfig.startsWith('-') ? input.sshConfig : resolve(input.sshConfig);
  if (input.batchMode !== undefined) saved.batchMode = input.batchMode;
  if (input.multiplex !== undefined) saved.multiplex = input.multiplex;
  if (input.preset !== undefined) saved.preset = input.preset;
  if (input.presetOptions !== undefined) saved.presetOptions = checkPresetOptions(input.presetOptions);
  validateSavedTunnel(saved);
  return saved;
}

/**
 * Validates exactly as parseTunnelSpec does. A preset supplies its forwards at launch, so a
 * preset tunnel without -L/-R is checked with a stand-in forward that is never stored.
 */
export function validateSavedTunnel(saved: SavedTunnel): void {
  if (saved.preset !== undefined) parseName(saved.preset, 'preset');
  const needsStandIn = saved.preset !== undefined && saved.local === undefined && saved.remote === undefined;
  parseTunnelSpec({ ...saved, local: needsStandIn ? ['1:localhost:1'] : saved.local });
}

function checkPresetOptions(options: Record<string, unknown>): Record<string, string | number | boolean> {
  for (const [key, value] of Object.entries(options)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw badSpec('presetOptions', `presetOptions.${key}: expected a string, number or true/false`);
    }
  }
  return { ...(options as Record<string, string | number | boolean>) };
}

/** Applies a patch to stored defaults and validates the result. */
export function patchDefaults(current: StoredDefaults, patch: DefaultsInput): StoredDefaults {
  const next: StoredDefaults = { ...current };
  const timing = [
    ['keepalive', '--keepalive', 3600],
    ['keepaliveCount', '--keepalive-count', 100],
    ['connectTimeout', '--connect-timeout', 600],
  ] as const;
  for (const [key, field, max] of timing) {
    const value = patch[key];
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = parseInteger(value, field, 0, 1, max);
  }
  if (patch.localBind === null) delete next.localBind;
  else if (patch.localBind !== undefined) next.localBind = patch.localBind;
  if (patch.via === null) delete next.via;
  else if (patch.via !== undefined) next.via = splitList(patch.via);
  validateDefaults(next);
  return next;
}

/** The checks the schema cannot express: host and hop syntax. */
export function validateDefaults(defaults: StoredDefaults): void {
  if (defaults.localBind !== undefined) parseHostField(defaults.localBind, 'localBind');
  if (defaults.via !== undefined) parseHopList(defaults.via, 'via');
}

function splitList(value: string | readonly string[]): string[] {
  const list = typeof value === 'string' ? [value] : value;
  parseHopList(list);
  return list.flatMap((item) => item.split(','));
}

const FIELD_KEYS: Record<string, string> = {
  '--via': 'via',
  '--to': 'to',
  '-L': 'local',
  '-R': 'remote',
  '--strategy': 'strategy',
  '--keepalive': 'keepalive',
  '--keepalive-count': 'keepaliveCount',
  '--connect-timeout': 'connectTimeout',
  '--ssh-config': 'sshConfig',
};

/** The stored key a validation error is about (`-L` -> `local`). */
export function keyForField(error: TunnelError): string | undefined {
  return error.field === undefined ? undefined : (FIELD_KEYS[error.field] ?? error.field);
}
