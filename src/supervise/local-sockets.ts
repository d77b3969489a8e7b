import { lstat, unlink } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';
import { TunnelError } from '../errors.js';

/**
 * Makes a local socket path bindable: a stale socket (nobody listening) is removed;
 * a live one, a non-socket file, or a directory others can write to is refused.
 */
export async function prepareLocalSocket(path: string): Promise<void> {
  await checkSocketDirectory(dirname(path));
  const stat = await lstat(path).catch(() => undefined);
  if (stat === undefined) return;
  if (!stat.isSocket()) {
    throw new TunnelError(
      'UNSAFE_PATH',
      `${path} exists and is not a socket; refusing to replace it (choose another path)`,
    );
  }
  if (await isListening(path)) {
    throw new TunnelError('SOCKET_IN_USE', `${path} is in use by a live process; stop it or choose another path`);
  }
  await unlink(path).catch(() => undefined);
}

async function checkSocketDirectory(dir: string): Promise<void> {
  const stat = await lstat(dir).catch(() => undefined);
  if (stat === undefined) {
    throw new TunnelError('UNSAFE_PATH', `${dir} does not exist; create it (mode 0700) before binding a socket in it`);
  }
  const uid = process.getuid?.();
  const foreign = uid !== undefined && stat.uid !== uid && stat.uid !== 0;
  const sticky = (stat.mode & 0o1000) !== 0;
  const writableByOthers = (stat.mode & 0o022) !== 0;
  if (foreign || (writableByOthers && !sticky)) {
    throw new TunnelError(
      'UNSAFE_PATH',
      `${dir} is writable by other users or owned by someone else; put the socket in a private directory`,
    );
  }
}

/** True when something accepts connections on the socket (bounded: 1 s). */
export function isListening(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ path });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Removes a socket file the tunnel bound, if it is still a socket. */
export async function removeLocalSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (stat?.isSocket()) await unlink(path).catch(() => undefined);
}
