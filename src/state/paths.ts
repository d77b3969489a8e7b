import { lstat, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TunnelError } from '../errors.js';
import { parseName } from '../spec/name.js';

/** Where running tunnels keep their state: $TUNNEL_HOME, else the XDG state dir. */
export function stateHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TUNNEL_HOME) return env.TUNNEL_HOME;
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'tunnel');
}

export function tunnelsDir(home = stateHome()): string {
  return join(home, 'tunnels');
}

/** A tunnel's own directory; the name is validated so it can never escape the state dir. */
export function tunnelDir(name: string, home = stateHome()): string {
  return join(tunnelsDir(home), parseName(name));
}

/**
 * Creates a directory 0700, or checks an existing one is ours and private. `othersMayRead`
 * accepts an existing 0755 (a directory another program made that way), never a writable one.
 */
export async function ensurePrivateDir(dir: string, options: { othersMayRead?: boolean } = {}): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stat = await lstat(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) {
    throw new TunnelError('UNSAFE_PATH', `${dir} is not a directory owned by you; remove it or set TUNNEL_HOME elsewhere`);
  }
  // Refused, not tightened: a chmod of a shared directory (TUNNEL_HOME=/tmp as root) would do harm.
  if ((stat.mode & (options.othersMayRead ? 0o022 : 0o077)) !== 0) {
    throw new TunnelError('UNSAFE_PATH', `${dir} is open to other users (mode ${(stat.mode & 0o777).toString(8)}); run chmod 700 ${dir}, or set TUNNEL_HOME to a private directory`);
  }
}
