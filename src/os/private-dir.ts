import { mkdirSync, statSync, type Stats } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import { TunnelError } from '../errors.js';

/*
 * The one private-directory rule, for state, profiles and ssh_config alike: ours, a directory, and
 * never writable by others. `othersMayRead` accepts an existing 0755 (one another program made that
 * way); without it, any access by others is refused. Refused, not tightened: a chmod of a shared
 * directory (TUNNEL_HOME=/tmp as root) would do harm.
 */
export interface PrivateDirOptions {
  othersMayRead?: boolean;
  /** The setting that points elsewhere, for the message (TUNNEL_HOME, TUNNEL_CONFIG_DIR). */
  setting?: string;
}

/** What is wrong with this directory, or undefined. Pure. */
export function privateDirProblem(
  dir: string,
  stats: Pick<Stats, 'isDirectory' | 'uid' | 'mode'>,
  options: PrivateDirOptions = {},
  uid = process.getuid?.(),
): TunnelError | undefined {
  const elsewhere = `set ${options.setting ?? 'TUNNEL_HOME'} to a private directory`;
  if (!stats.isDirectory())
    return new TunnelError('STATE_UNSAFE', `${dir} is not a directory; remove it or ${elsewhere}`);
  if (uid !== undefined && stats.uid !== uid)
    return new TunnelError('STATE_UNSAFE', `${dir} belongs to uid ${stats.uid}, not you; ${elsewhere}`);
  const mode = (stats.mode & 0o777).toString(8);
  if (options.othersMayRead && (stats.mode & 0o022) !== 0)
    return new TunnelError(
      'STATE_UNSAFE',
      `${dir} is writable by others (mode ${mode}); run chmod 700 ${dir}, or ${elsewhere}`,
    );
  if (!options.othersMayRead && (stats.mode & 0o077) !== 0)
    return new TunnelError(
      'STATE_UNSAFE',
      `${dir} is open to other users (mode ${mode}); run chmod 700 ${dir}, or ${elsewhere}`,
    );
  return undefined;
}

/** Creates a directory 0700, or checks that an existing one passes the rule. */
export async function ensurePrivateDir(dir: string, options: PrivateDirOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const problem = privateDirProblem(dir, await lstat(dir), options);
  if (problem !== undefined) throw problem;
}

/** The same, synchronously (conf, which stores profiles, is synchronous). */
export function ensurePrivateDirSync(dir: string, options: PrivateDirOptions = {}): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const problem = privateDirProblem(dir, statSync(dir), options);
  if (problem !== undefined) throw problem;
}

/** For reads: an existing directory must pass the rule; a missing one is simply empty (not created). */
export function isPrivateDirSync(dir: string, options: PrivateDirOptions = {}): boolean {
  let stats: Stats;
  try {
    stats = statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const problem = privateDirProblem(dir, stats, options);
  if (problem !== undefined) throw problem;
  return true;
}
