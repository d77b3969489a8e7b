import { badSpec, TunnelError } from '../errors.js';
import { printable } from './tokens.js';

/** Longest usable sun_path in bytes, excluding the terminating NUL. */
export function maxSocketPathBytes(platform: NodeJS.Platform = process.platform): number {
  return platform === 'linux' ? 107 : 103;
}

/** Checks a Unix socket path: absolute, no control characters, within sun_path. */
export function checkSocketPath(path: string, field: string, platform: NodeJS.Platform = process.platform): string {
  if (!path.startsWith('/')) {
    throw badSpec(field, `${field}: socket path '${printable(path)}' must be absolute (start with '/')`);
  }
  if (/[\u0000-\u001f\u007f]/.test(path)) {
    throw badSpec(field, `${field}: socket path '${printable(path)}' contains control characters`);
  }
  // ssh expands %-tokens and ${VAR}, and strips '\\' escapes, in -L/-R socket paths (both ends):
  // the socket it binds would not be the one we prepare, probe and remove. Only literal paths.
  if (/[%\\]|\$\{/.test(path)) {
    throw badSpec(
      field,
      `${field}: socket path '${printable(path)}' contains '%', '\${' or '\\', which ssh rewrites; write the path out literally`,
    );
  }
  const bytes = Buffer.byteLength(path);
  const max = maxSocketPathBytes(platform);
  if (bytes > max) {
    throw new TunnelError(
      'SOCKET_PATH_TOO_LONG',
      `${field}: socket path is ${bytes} bytes, over the ${max}-byte sun_path limit; use a shorter path (e.g. under /tmp)`,
      { field },
    );
  }
  return path;
}
