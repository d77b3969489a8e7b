import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * What a user gets from `npm i -g ./ssh-tunnel-orchestrator-*.tgz`: the packed tarball (of the
 * built dist/) installed offline into a temporary prefix, then run from that prefix only.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

// npm run from `npm test` exports npm_config_* (prefix, global, ...): the installs here must not inherit them.
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')),
);
const npm = (args: string[], cwd: string) =>
  execa('npm', args, { cwd, env: cleanEnv, extendEnv: false, reject: false, timeout: 120_000, stdin: 'ignore' });

interface PackResult {
  filename: string;
  size: number;
  entryCount: number;
  files: { path: string }[];
}

describe('npm pack, then npm i -g from the tarball (offline, temporary prefix)', { timeout: 180_000 }, () => {
  let dir = '';
  let pack: PackResult;
  let prefix = '';
  let install: Awaited<ReturnType<typeof npm>>;
  const runInstalled = (args: string[], env: Record<string, string> = {}) =>
    execa(join(prefix, 'bin/tunnel'), args, {
      reject: false,
      timeout: 30_000,
      stdin: 'ignore',
      env: { ...cleanEnv, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, NO_COLOR: '1', ...env },
      extendEnv: false,
    });

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run npm run build first');
    dir = await mkdtemp(join(tmpdir(), 'tnl-pack-'));
    // --ignore-scripts: prepack would rebuild; the tests run against the dist/ `npm test` just built.
    const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    expect(packed.exitCode, packed.stderr).toBe(0);
    pack = (JSON.parse(packed.stdout) as PackResult[])[0]!;
    prefix = join(dir, 'prefix');
    install = await npm(
      ['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(dir, pack.filename)],
      dir,
    );
  }, 180_000);

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('packs only what runs: the bundle, the library types, templates and the man page', () => {
    expect(pack.filename).toBe(`${name}-${version}.tgz`);
    const paths = pack.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining(['package.json', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'man/tunnel.1']),
    );
    expect(paths.some((p) => p.startsWith('templates/presets/'))).toBe(true);
    const unwanted = paths.filter((p) =>
      /^(src|test|bench|scripts)\/|\.ts\.map$|meta\.json$|gen-man|^dist\/(?!index\.|lib\/|cli\/main\.|chunks\/).*\.js$/.test(
        p,
      ),
    );
    expect(unwanted).toEqual([]);
  });

  it('installs offline with no warning and no dependency to fetch', () => {
    expect(install.exitCode, install.stderr).toBe(0);
    expect(`${install.stdout}\n${install.stderr}`).not.toMatch(/warn|install-scripts|deprecated/i);
    expect(install.stdout).toMatch(/added 1 package/);
  });

  it('tunnel --version prints the package version', async () => {
    const result = await runInstalled(['--version']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(version); // execa strips the one final newline
  });

  it('tunnel demo --json works from the installed copy', async () => {
    const result = await runInstalled(['demo', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      ok: boolean;
      answer: { status: number };
      reconnect: { restarts: number };
      cleanup: { alivePids: number[]; sandboxDirRemoved: boolean };
    };
    expect(summary.ok).toBe(true);
    expect(summary.answer.status).toBe(200);
    expect(summary.reconnect.restarts).toBeGreaterThanOrEqual(1);
    expect(summary.cleanup).toMatchObject({ alivePids: [], sandboxDirRemoved: true });
  });

  it('the man page is linked where man looks: PREFIX/share/man/man1/tunnel.1', async () => {
    const page = join(prefix, 'share/man/man1/tunnel.1');
    const rendered = await execa('man', ['-l', page], {
      reject: false,
      timeout: 30_000,
      env: { MANPAGER: 'cat', MANWIDTH: '80' },
      stdin: 'ignore',
    });
    expect(rendered.exitCode, rendered.stderr).toBe(0);
    expect(rendered.stdout).toMatch(/tunnel up/);
    expect(rendered.stdout).toContain(`tunnel ${version}`);
    // No MANPATH: man-db searches PREFIX/share/man for every PREFIX/bin on PATH.
    const { MANPATH: _ignored, ...withoutManpath } = cleanEnv;
    const found = await execa('man', ['-w', 'tunnel'], {
      reject: false,
      timeout: 30_000,
      stdin: 'ignore',
      extendEnv: false,
      env: { ...withoutManpath, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` },
    });
    // man follows npm's link to the page inside the installed package.
    expect(found.exitCode, found.stderr).toBe(0);
    expect(found.stdout.trim()).toBe(realpathSync(page));
    expect(realpathSync(page)).toBe(join(prefix, 'lib/node_modules', name, 'man/tunnel.1'));
  });
});
