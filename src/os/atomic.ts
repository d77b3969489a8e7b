import { open, readdir, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A file's bytes and permission bits, or undefined when it does not exist. */
export interface FileState {
  text: string;
  mode: number;
}

export async function readState(path: string): Promise<FileState | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { text, mode: info.mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The file a write should replace: a symlinked ~/.ssh/config (dotfile managers do this) is
 * written through, so the link stays a link instead of being renamed over by a plain file.
 */
export async function resolveWritePath(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return path;
    throw error;
  }
}

const TEMP = /^\..+\.tunnel-tmp-(\d+)-[0-9a-f]+$/;

/**
 * A temp name beside `path` (same directory, so rename is atomic); the pid tells whose it is.
 * globalThis.crypto loads Node's crypto on first use: importing node:crypto here cost every CLI
 * start (ls, --help) ~10 ms, since reading state imports this module.
 */
export function tempPathFor(path: string): string {
  const random = globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!.toString(16).padStart(8, '0');
  return join(dirname(path), `.${basename(path)}.tunnel-tmp-${process.pid}-${random}`);
}

/** Writes `text` to a fresh file with exactly `mode`, fsynced, and returns its path. */
export async function writeTemp(path: string, text: string, mode: number): Promise<string> {
  const temp = tempPathFor(path);
  const handle = await open(temp, 'wx', mode);
  let written = false;
  try {
    await handle.chmod(mode);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    written = true;
  } finally {
    await handle.close();
    if (!written) await unlink(temp).catch(() => undefined);
  }
  return temp;
}

/**
 * Moves a fsynced temp file over `path` and fsyncs the directory: a reader, or a crash at
 * any instant, sees the old bytes or the new ones, never a mix or a truncated file.
 */
export async function commitTemp(temp: string, path: string): Promise<void> {
  await rename(temp, path);
  await syncDir(dirname(path));
}

/** writeTemp + commitTemp. */
export async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  await commitTemp(await writeTemp(path, text, mode), path);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes temp files a killed writer left in `dir`. Only called while holding the lock, when no live writer has any. */
export async function removeLeftoverTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => TEMP.test(n)).map((n) => unlink(join(dir, n)).catch(() => undefined)));
}

/**
 * Writes a state file so readers (and a crash at any moment) see either the old or the new
 * content, never a truncated one. The one atomic writer: temp file, fsync, rename, fsync dir.
 */
export function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  return writeAtomic(path, data, mode);
}
