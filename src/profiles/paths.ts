import { mkdirSync, statSync, type Stats } from 'node:fs';
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

/**
 * Creates the directory 0700 if missing. An existing one must be ours and not writable
 * by others: someone who can write there can swap the file between our read and write.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkPrivate(dir, statSync(dir));
}

/** For reads: an existing directory must be private; a missing one is simply empty (not created). */
export function isPrivateDir(dir: string): boolean {
  let stats: Stats;
  try {
    stats = statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  checkPrivate(dir, stats);
  return true;
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
    throw new TunnelError('UNSAFE_PATH', `${file} is writable by others or not yours (mode ${(stats.mode & 0o777).toString(8)}); check its contents, then chmod 600 ${file}`);
  }
}

function checkPrivate(dir: string, stats: Stats): void {
  if (!stats.isDirectory()) {
    throw new TunnelError('UNSAFE_PATH', `${dir} is not a directory; point TUNNEL_CONFIG_DIR at a directory`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new TunnelError('UNSAFE_PATH', `${dir} belongs to uid ${stats.uid}, not you; use a directory of your own (TUNNEL_CONFIG_DIR)`);
  }
  if ((stats.mode & 0o022) !== 0) {
    throw new TunnelError('UNSAFE_PATH', `${dir} is writable by others (mode ${(stats.mode & 0o777).toString(8)}); run chmod 700 ${dir}`);
  }
}
