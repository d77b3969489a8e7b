import os from 'node:os';
import { join, resolve } from 'node:path';
import { TunnelError } from '../errors.js';
import { maxSocketPathBytes } from '../model/socket-path.js';
import { DEFAULT_CONTROL_PATH } from './render.js';

/** Where everything tunnel keeps in one ssh directory lives. */
export interface SshDirLayout {
  sshDir: string;
  /** The user's main config: tunnel adds one Include line and nothing else. */
  mainConfig: string;
  confDir: string;
  /** The one file tunnel owns. */
  tunnelConf: string;
  lock: string;
  /** What the Include line names. */
  includeTarget: string;
  /** Every spelling of an Include that already means our file. */
  includePaths: string[];
}

/** ~/.ssh as OpenSSH sees it: the passwd home directory, not $HOME. */
export function defaultSshDir(): string {
  return join(os.userInfo().homedir, '.ssh');
}

/**
 * OpenSSH resolves a relative Include in a user config against ~/.ssh of the real user, even
 * for `ssh -F OTHER`. So only the real ~/.ssh gets the relative `config.d/tunnel.conf`; any
 * other directory (tests, a second profile) gets the absolute path, or ssh would read ~/.ssh's.
 */
export function layoutFor(sshDir: string = defaultSshDir()): SshDirLayout {
  const dir = resolve(sshDir);
  const confDir = join(dir, 'config.d');
  const tunnelConf = join(confDir, 'tunnel.conf');
  const isDefault = dir === resolve(defaultSshDir());
  if (/[*?[\]"'\\\u0000-\u001f]/.test(dir)) {
    throw new TunnelError(
      'BAD_OPTION',
      `--ssh-dir '${JSON.stringify(dir).slice(1, -1)}': glob or quote characters would change what Include matches; use a plainer path`,
      { field: '--ssh-dir' },
    );
  }
  return {
    sshDir: dir,
    mainConfig: join(dir, 'config'),
    confDir,
    tunnelConf,
    lock: join(confDir, '.tunnel.lock'),
    includeTarget: isDefault ? 'config.d/tunnel.conf' : tunnelConf,
    includePaths: isDefault ? ['config.d/tunnel.conf', '~/.ssh/config.d/tunnel.conf', tunnelConf] : [tunnelConf],
  };
}

/** The ControlPath for entries installed in `sshDir`: ~/.ssh/cm-%C, or the same name in another dir. */
export function controlPathFor(layout: SshDirLayout): string {
  if (layout.includeTarget === 'config.d/tunnel.conf') return DEFAULT_CONTROL_PATH;
  const path = join(layout.sshDir, 'cm-%C');
  const bytes = Buffer.byteLength(layout.sshDir) + '/cm-'.length + 40;
  if (bytes > maxSocketPathBytes()) {
    throw new TunnelError(
      'SOCKET_PATH_TOO_LONG',
      `--ssh-dir: ControlPath ${path} expands to ${bytes} bytes, over the sun_path limit; use a shorter --ssh-dir`,
      { field: '--ssh-dir' },
    );
  }
  return path;
}
