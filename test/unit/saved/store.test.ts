import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  getDefaults,
  getTunnel,
  listSaved,
  removeTunnel,
  removeTunnels,
  saveTunnel,
  setDefaults,
} from '../../../src/saved/index.js';
import type { StoreData } from '../../../src/saved/types.js';

describe('profile store (API, temp dir)', () => {
  let root: string;
  let dir: string;
  let file: string;
  beforeEach(async () => {
    root = await mkdtemp(join(os.tmpdir(), 'tnl-profiles-'));
    dir = join(root, 'conf');
    file = join(dir, 'config.json');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('saves, reads back, lists, replaces and removes', async () => {
    const first = await saveTunnel(
      'web',
      { via: 'login', to: 'node', local: ['8888:localhost:8888'], keepalive: '5' },
      { dir },
    );
    expect(first).toMatchObject({ name: 'web', replaced: false, file });
    expect(getTunnel('web', { dir })).toEqual({
      name: 'web',
      via: ['login'],
      to: 'node',
      local: ['8888:localhost:8888'],
      keepalive: 5,
    });
    await saveTunnel('db.prod', { to: 'db', local: ['5432:localhost:5432'] }, { dir });
    expect((await saveTunnel('web', { to: 'node2', local: ['1:h:2'] }, { dir })).replaced).toBe(true);
    expect(listSaved({ dir }).map((t) => [t.name, t.to])).toEqual([
      ['db.prod', 'db'],
      ['web', 'node2'],
    ]);
    await removeTunnel('web', { dir });
    expect(listSaved({ dir }).map((t) => t.name)).toEqual(['db.prod']);
  });

  it('creates the directory 0700 and the file 0600', async () => {
    await saveTunnel('web', { to: 'n', local: ['1:h:2'] }, { dir });
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('stores nothing for bad input', async () => {
    await expect(saveTunnel('web', { to: 'n', local: ['nonsense'] }, { dir })).rejects.toMatchObject({
      code: 'BAD_SPEC',
    });
    await expect(saveTunnel('../x', { to: 'n', local: ['1:h:2'] }, { dir })).rejects.toMatchObject({
      code: 'BAD_SPEC',
      field: 'NAME',
    });
    expect(existsSync(file)).toBe(false);
  });

  it('says how to find saved tunnels when a name is unknown', async () => {
    expect(() => getTunnel('nope', { dir })).toThrow("no saved tunnel 'nope'; see `tunnel ls --saved`");
    expect(() => getTunnel('toString', { dir })).toThrow(/no saved tunnel/);
  });

  it('removes all named tunnels or none', async () => {
    await saveTunnel('a', { to: 'n', local: ['1:h:2'] }, { dir });
    await saveTunnel('b', { to: 'n', local: ['1:h:2'] }, { dir });
    await expect(removeTunnels(['a', 'zz'], { dir })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(listSaved({ dir }).map((t) => t.name)).toEqual(['a', 'b']);
    expect(await removeTunnels(['a', 'b'], { dir })).toEqual(['a', 'b']);
    expect(listSaved({ dir })).toEqual([]);
  });

  it('lets rm remove an entry the spec parser rejects, and only that', async () => {
    await mkdir(dir, { mode: 0o700 });
    await writeFile(
      file,
      JSON.stringify({ tunnels: { bad: { to: 'n', local: ['nonsense'] }, ok: { to: 'n', local: ['1:h:2'] } } }),
      { mode: 0o600 },
    );
    expect(() => listSaved({ dir })).toThrow(/tunnels\.bad\.local: -L 'nonsense'.*tunnel rm bad/);
    await removeTunnel('bad', { dir });
    expect(listSaved({ dir }).map((t) => t.name)).toEqual(['ok']);
  });

  it('keeps defaults separately and resolves them over the built-in ones', async () => {
    expect(getDefaults({ dir })).toEqual({ keepalive: 10, keepaliveCount: 3, connectTimeout: 10 });
    await saveTunnel('web', { to: 'n', local: ['1:h:2'] }, { dir });
    expect(await setDefaults({ keepalive: 30, via: 'login' }, { dir })).toEqual({
      keepalive: 30,
      keepaliveCount: 3,
      connectTimeout: 10,
      via: ['login'],
    });
    expect(await setDefaults({ via: null }, { dir })).toEqual({ keepalive: 30, keepaliveCount: 3, connectTimeout: 10 });
    expect(getTunnel('web', { dir }).to).toBe('n');
    await expect(setDefaults({ connectTimeout: 0 }, { dir })).rejects.toMatchObject({ code: 'BAD_SPEC' });
    expect((JSON.parse(await readFile(file, 'utf8')) as StoreData).defaults).toEqual({ keepalive: 30 });
  });

  it('reads without creating anything', () => {
    expect(listSaved({ dir })).toEqual([]);
    expect(getDefaults({ dir }).keepalive).toBe(10);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a config file others can write to (it could have been planted)', async () => {
    await saveTunnel('web', { to: 'n', local: ['1:h:2'] }, { dir });
    await chmod(file, 0o666);
    expect(() => getTunnel('web', { dir })).toThrow(/writable by others or not yours \(mode 666\).*chmod 600/);
  });

  it('refuses a config directory others can write to', async () => {
    await saveTunnel('web', { to: 'n', local: ['1:h:2'] }, { dir });
    await chmod(dir, 0o777);
    expect(() => listSaved({ dir })).toThrow(/writable by others.*chmod 700/);
  });
});
