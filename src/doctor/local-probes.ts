import { lstat, readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { isEncryptedKey, type ControlSocket, type IdentityFile } from './local-checks.js';

/** Stats each key file and reads just enough of it to tell whether it has a passphrase. */
export async function readIdentityFiles(paths: readonly string[]): Promise<IdentityFile[]> {
  return Promise.all(
    paths.map(async (path): Promise<IdentityFile> => {
      try {
        const stats = await lstat(path);
        if (!stats.isFile()) return { path, exists: false };
        const text = stats.size < 64 * 1024 ? await readFile(path, 'utf8').catch(() => '') : '';
        const encrypted = isEncryptedKey(text);
        return { path, exists: true, mode: stats.mode & 0o777, ...(encrypted === undefined ? {} : { encrypted }) };
      } catch {
        return { path, exists: false };
      }
    }),
  );
}

/** Every socket in the ControlMaster directory, and whether a master accepts on it; undefined if no directory. */
export async function scanControlSockets(dir: string): Promise<ControlSocket[] | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const sockets: ControlSocket[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const stats = await lstat(path).catch(() => undefined);
    if (stats?.isSocket()) sockets.push({ path, live: await answers(path) });
  }
  return sockets;
}

/** A master that is alive accepts; a leftover socket file refuses (ECONNREFUSED). */
function answers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    const done = (live: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(true), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(error.code !== 'ECONNREFUSED' && error.code !== 'ENOENT'),
    );
  });
}
