import { lstat, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  commitTemp,
  readState,
  removeLeftoverTemps,
  resolveWritePath,
  tempPathFor,
  writeFileAtomic,
  writeTemp,
} from '../../../src/os/atomic.js';

describe('atomic writes in a temp directory', () => {
  let dir: string;
  let savedUmask: number;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnl-atomic-'));
    savedUmask = process.umask(0o022);
  });
  afterEach(async () => {
    process.umask(savedUmask);
    await rm(dir, { recursive: true, force: true });
  });

  it.each<[string, number | undefined, number]>([
    ['default', undefined, 0o600],
    ['0644', 0o644, 0o644],
    ['0666 under umask 022 (chmod, not umask, decides)', 0o666, 0o666],
    ['0400', 0o400, 0o400],
  ])('writeFileAtomic with mode %s gives exactly that mode', async (_what, mode, expected) => {
    const path = join(dir, 'state.json');
    await writeFileAtomic(path, 'hello\n', mode);
    expect(await readState(path)).toEqual({ text: 'hello\n', mode: expected });
  });

  it('replaces an existing file whole, mode included, and leaves no temp file beside it', async () => {
    const path = join(dir, 'record.json');
    await writeFile(path, 'old and much longer content', { mode: 0o644 });
    await writeFileAtomic(path, 'new');
    expect(await readState(path)).toEqual({ text: 'new', mode: 0o600 });
    expect(await readdir(dir)).toEqual(['record.json']);
  });

  it('fails in a directory that is gone, creating neither it nor the file', async () => {
    const path = join(dir, 'gone', 'record.json');
    await expect(writeFileAtomic(path, 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('readState is undefined for a missing file and rethrows anything else', async () => {
    expect(await readState(join(dir, 'missing'))).toBeUndefined();
    await expect(readState(dir)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('writes through a symlink: the link stays a link, its target gets the bytes', async () => {
    const target = join(dir, 'dotfiles-config');
    const link = join(dir, 'config');
    await writeFile(target, 'old');
    await symlink(target, link);
    const path = await resolveWritePath(link);
    await writeFileAtomic(path, 'new');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(target);
    expect(await readFile(target, 'utf8')).toBe('new');
  });

  it('resolveWritePath keeps a path that does not exist yet', async () => {
    expect(await resolveWritePath(join(dir, 'new-file'))).toBe(join(dir, 'new-file'));
  });

  it('a temp file sits beside its target, is invisible at the target until committed, then replaces it', async () => {
    const path = join(dir, 'config');
    await writeFile(path, 'old');
    const temp = await writeTemp(path, 'new', 0o600);
    expect(temp.startsWith(join(dir, '.config.tunnel-tmp-'))).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('old');
    await commitTemp(temp, path);
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['config']);
  });

  it('two temp names for one path differ and carry this pid', () => {
    const [a, b] = [tempPathFor(join(dir, 'x')), tempPathFor(join(dir, 'x'))];
    expect(a).not.toBe(b);
    expect(basename(a)).toMatch(new RegExp(`^\\.x\\.tunnel-tmp-${process.pid}-[0-9a-f]{8}$`));
  });

  it('removeLeftoverTemps removes only what a killed writer left, whoever it was', async () => {
    const names = [
      'config',
      '.config.tunnel-tmp-4242-0badcafe',
      '.record.json.tunnel-tmp-1-deadbeef',
      '.config.tunnel-tmp-x-0badcafe',
      'config.tunnel-tmp-1-00000000',
      '.other',
    ];
    for (const name of names) await writeFile(join(dir, name), '');
    await removeLeftoverTemps(dir);
    expect((await readdir(dir)).sort()).toEqual([
      '.config.tunnel-tmp-x-0badcafe',
      '.other',
      'config',
      'config.tunnel-tmp-1-00000000',
    ]);
  });

  it('removeLeftoverTemps does nothing for a missing directory', async () => {
    await expect(removeLeftoverTemps(join(dir, 'missing'))).resolves.toBeUndefined();
  });
});
