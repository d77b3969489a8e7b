import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ensurePrivateDir,
  ensurePrivateDirSync,
  isPrivateDirSync,
  privateDirProblem,
  type PrivateDirOptions,
} from '../../../src/os/private-dir.js';

const ME = 1000;
const dirStats = (mode: number, uid = ME) => ({ isDirectory: () => true, uid, mode: 0o40000 | mode });
const fileStats = { isDirectory: () => false, uid: ME, mode: 0o100600 };

describe('privateDirProblem', () => {
  it.each<[string, ReturnType<typeof dirStats>, PrivateDirOptions, string | undefined]>([
    ['0700', dirStats(0o700), {}, undefined],
    ['0700, others may read', dirStats(0o700), { othersMayRead: true }, undefined],
    ['0755, others may read', dirStats(0o755), { othersMayRead: true }, undefined],
    ['0750, others may read', dirStats(0o750), { othersMayRead: true }, undefined],
    [
      '0755',
      dirStats(0o755),
      {},
      '/d is open to other users (mode 755); run chmod 700 /d, or set TUNNEL_HOME to a private directory',
    ],
    [
      '0740',
      dirStats(0o740),
      {},
      '/d is open to other users (mode 740); run chmod 700 /d, or set TUNNEL_HOME to a private directory',
    ],
    [
      '0701',
      dirStats(0o701),
      {},
      '/d is open to other users (mode 701); run chmod 700 /d, or set TUNNEL_HOME to a private directory',
    ],
    [
      '0775, others may read',
      dirStats(0o775),
      { othersMayRead: true },
      '/d is writable by others (mode 775); run chmod 700 /d, or set TUNNEL_HOME to a private directory',
    ],
    [
      '0757, others may read',
      dirStats(0o757),
      { othersMayRead: true },
      '/d is writable by others (mode 757); run chmod 700 /d, or set TUNNEL_HOME to a private directory',
    ],
    [
      '1777 (/tmp), others may read',
      dirStats(0o1777),
      { othersMayRead: true },
      '/d is writable by others (mode 777); run chmod 700 /d, or set TUNNEL_HOME to a private directory',
    ],
    ['another uid', dirStats(0o700, 0), {}, '/d belongs to uid 0, not you; set TUNNEL_HOME to a private directory'],
    [
      'another uid, others may read',
      dirStats(0o755, 0),
      { othersMayRead: true },
      '/d belongs to uid 0, not you; set TUNNEL_HOME to a private directory',
    ],
    ['a file', fileStats, {}, '/d is not a directory; remove it or set TUNNEL_HOME to a private directory'],
    [
      '0755 under another setting',
      dirStats(0o755),
      { setting: 'TUNNEL_CONFIG_DIR' },
      '/d is open to other users (mode 755); run chmod 700 /d, or set TUNNEL_CONFIG_DIR to a private directory',
    ],
    [
      'a file under another setting',
      fileStats,
      { setting: 'TUNNEL_CONFIG_DIR' },
      '/d is not a directory; remove it or set TUNNEL_CONFIG_DIR to a private directory',
    ],
  ])('%s', (_what, stats, options, message) => {
    const problem = privateDirProblem('/d', stats, options, ME);
    expect(problem?.message).toBe(message);
    if (message !== undefined) expect(problem?.code).toBe('STATE_UNSAFE');
  });

  it('checks no owner where the platform has no uids', () => {
    expect(privateDirProblem('/d', dirStats(0o700, 0), {}, undefined)).toBeUndefined();
  });
});

describe('ensurePrivateDir and isPrivateDirSync on disk', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tnl-private-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('creates missing directories 0700, asynchronously and synchronously', async () => {
    await ensurePrivateDir(join(root, 'a', 'b'));
    ensurePrivateDirSync(join(root, 'c'));
    expect((await stat(join(root, 'a', 'b'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, 'c'))).mode & 0o777).toBe(0o700);
  });

  it('refuses an existing 0755 directory without changing its mode', async () => {
    const dir = join(root, 'open');
    await mkdir(dir);
    await chmod(dir, 0o755);
    await expect(ensurePrivateDir(dir)).rejects.toMatchObject({
      code: 'STATE_UNSAFE',
      message: expect.stringContaining(`run chmod 700 ${dir}`),
    });
    expect(() => ensurePrivateDirSync(dir)).toThrow(/is open to other users \(mode 755\)/);
    expect((await stat(dir)).mode & 0o777).toBe(0o755);
    await expect(ensurePrivateDir(dir, { othersMayRead: true })).resolves.toBeUndefined();
  });

  it('refuses a file where the directory should be', async () => {
    const path = join(root, 'file');
    await writeFile(path, '');
    await expect(ensurePrivateDir(path)).rejects.toThrow(); // mkdir -p fails on a file: nothing is created over it
    expect(() => isPrivateDirSync(path)).toThrow(`${path} is not a directory`);
  });

  it('isPrivateDirSync: false for a missing directory (and creates none), true for a private one, throws for an open one', async () => {
    expect(isPrivateDirSync(join(root, 'missing'))).toBe(false);
    await expect(stat(join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(isPrivateDirSync(root)).toBe(true);
    await chmod(root, 0o750);
    expect(() => isPrivateDirSync(root)).toThrow(/open to other users \(mode 750\)/);
    expect(isPrivateDirSync(root, { othersMayRead: true })).toBe(true);
  });
});
