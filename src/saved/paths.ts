import { statSync, type Stats } from 'node:fs';
import { ensurePrivateDirSync, isPrivateDirSync } from '../os/private-dir.js';
import os from 'node:os';
import { join } from 'node:path';
import { TunnelError } from '../errors.js';

export const CONFIG_FILE = 'config.json';

/**
 * $TUNNEL_CONFIG_DIR, else the directory conf itself would pick for project 'tunnel'
 * (env-paths, without conf's '-nodejs' suffix): ~/.config/tunnel on Linux.
 */
export function configDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const override = env.TUNNEL_CONFIG_DIR;
  if (override !== undefined && override !== '') return override;
  const home = os.homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Preferences', 'tunnel');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'tunnel', 'Config');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'tunnel');
}

const RULE = { othersMayRead: true, setting: 'TUNNEL_CONFIG_DIR' } as const;

/** Creates the profiles directory 0700 if missing; an existing one must pass the private-directory rule. */
export function ensureConfigDir(dir: string): void {
  ensurePrivateDirSync(dir, RULE);
}

/** For reads: an existing directory must be private; a missing one is simply empty (not created). */
export function isConfigDirPrivate(dir: string): boolean {
  return isPrivateDirSync(dir, RULE);
}

/** A config file others can write could have been planted (a tunnel with someone else's -F). */
export function checkPrivateFile(file: string): void {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  if ((uid !== undefined && stats.uid !== uid) || (stats.mode & 0o022) !== 0) {
    throw new TunnelError(
      'STATE_UNSAFE',
      `${file} is writable by others or not yours (mode ${(stats.mode & 0o777).toString(8)}); check its contents, then chmod 600 ${file}`,
    );
  }
}
