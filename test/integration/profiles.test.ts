import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getTunnel, listSaved } from '../../src/saved/index.js';

/** The built CLI (`npx tsc -p .` first); TUNNEL_TEST_CLI points at another build. */
const CLI = process.env.TUNNEL_TEST_CLI ?? fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

describe('tunnel save / rm (built CLI, TUNNEL_CONFIG_DIR in a temp dir)', () => {
  let root: string;
  let dir: string;
  let file: string;
  const tunnel = (...args: string[]) =>
    execa('node', [CLI, ...args], {
      reject: false,
      timeout: 20_000,
      stdin: 'ignore',
      env: { NO_COLOR: '1', TUNNEL_CONFIG_DIR: dir },
    });

  beforeEach(async () => {
    root = await mkdtemp(join(os.tmpdir(), 'tnl-profiles-'));
    dir = join(root, 'config', 'tunnel');
    file = join(dir, 'config.json');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('saves, reads back through the library, replaces and removes', async () => {
    const saved = await tunnel(
      'save',
      'web',
      '--via',
      'login,gw',
      '--to',
      'node',
      '-L',
      '8888:localhost:8888',
      '--keepalive',
      '5',
    );
    expect(saved.exitCode, saved.stderr).toBe(0);
    expect(saved.stdout).toBe(
      `saved web: --via login --via gw --to node -L 8888:localhost:8888 --keepalive 5  (${file})`,
    );
    expect(getTunnel('web', { dir })).toEqual({
      name: 'web',
      via: ['login', 'gw'],
      to: 'node',
      local: ['8888:localhost:8888'],
      keepalive: 5,
    });

    const json = await tunnel('save', 'web', '--to', 'node', '-R', '0:localhost:9123', '--json');
    expect(json.exitCode, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      name: 'web',
      tunnel: { to: 'node', remote: ['0:localhost:9123'] },
      replaced: true,
      file,
    });
    expect((await tunnel('save', 'db', '--to', 'dbhost', '-L', '5432:localhost:5432')).exitCode).toBe(0);
    expect(listSaved({ dir }).map((t) => t.name)).toEqual(['db', 'web']);

    const removed = await tunnel('rm', 'web', 'db', '--json');
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ removed: ['web', 'db'] });
    expect(listSaved({ dir })).toEqual([]);
  });

  it('creates the directory 0700 and the file 0600, and leaves no lock or temp file', async () => {
    expect((await tunnel('save', 'web', '--to', 'n', '-L', '1:h:2')).exitCode).toBe(0);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['config.json']);
  });

  it('stores nothing when the tunnel or the name is invalid', async () => {
    for (const args of [
      ['save', 'web', '--to', 'n', '-L', 'abc'],
      ['save', '../web', '--to', 'n', '-L', '1:h:2'],
      ['save', 'web', '--to', 'n'],
      ['save', 'web', '--name', 'other', '--to', 'n', '-L', '1:h:2'],
    ]) {
      const result = await tunnel(...args);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('rm of a missing name removes nothing and exits 6 (not found)', async () => {
    expect((await tunnel('save', 'web', '--to', 'n', '-L', '1:h:2')).exitCode).toBe(0);
    const result = await tunnel('rm', 'web', 'nope');
    expect(result.exitCode).toBe(6);
    expect(result.stderr.trim()).toBe("tunnel: no saved tunnel 'nope'; see `tunnel ls --saved`");
    expect(listSaved({ dir }).map((t) => t.name)).toEqual(['web']);
  });

  const corrupt: Array<[string, string, RegExp]> = [
    [
      'truncated JSON',
      '{"tunnels": {"web": {"to": "n", "local": ["1:h:2"]',
      /not valid JSON at line 1 column \d+ after key "local"/,
    ],
    ['empty file', '', /the file is empty/],
    ['top level is a list', '[{"to": "n"}]', /the top level is a list/],
    [
      'unknown strategy',
      '{"tunnels": {"web": {"to": "n", "local": ["1:h:2"], "strategy": "teleport"}}}',
      /tunnels\.web\.strategy is "teleport", expected one of jump, relay, auto/,
    ],
    [
      'number as a string',
      '{"tunnels": {"web": {"to": "n", "local": ["1:h:2"], "keepalive": "ten"}}}',
      /tunnels\.web\.keepalive is "ten", expected a whole number from 1 to 3600/,
    ],
    ['misspelt key', '{"tunnels": {"web": {"to": "n", "locals": ["1:h:2"]}}}', /tunnels\.web: unknown key "locals"/],
    [
      'list where a string belongs',
      '{"tunnels": {"web": {"to": ["n"], "local": ["1:h:2"]}}}',
      /tunnels\.web\.to is a list \["n"\], expected a non-empty string/,
    ],
    [
      'forward the parser rejects',
      '{"tunnels": {"web": {"to": "n", "local": ["8888"]}}}',
      /tunnels\.web\.local: -L '8888'/,
    ],
    [
      'name that is not a file name',
      '{"tunnels": {"../etc": {"to": "n", "local": ["1:h:2"]}}}',
      /tunnels: tunnel name "\.\.\/etc" is not allowed/,
    ],
    [
      'defaults out of range',
      '{"defaults": {"connectTimeout": 0}, "tunnels": {}}',
      /defaults\.connectTimeout is 0, expected a whole number from 1 to 600/,
    ],
    ['unknown top-level key', '{"tunnel": {}}', /the top level: unknown key "tunnel"/],
  ];

  it.each(corrupt)(
    'a corrupt file (%s) gives one line naming file and key, and is left byte-identical',
    async (_name, text, expected) => {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(file, text, { mode: 0o600 });
      const commands = [
        ['save', 'other', '--to', 'n', '-L', '1:h:2'],
        ['rm', 'other'],
      ];
      const results = await Promise.all(commands.map((args) => tunnel(...args)));
      for (const result of results) {
        expect(result.exitCode, result.command).not.toBe(0);
        const lines = result.stderr.trim().split('\n');
        expect(lines, result.stderr).toHaveLength(1);
        expect(lines[0]).toContain(`tunnel: ${file}: `);
        expect(lines[0]).toMatch(expected);
      }
      expect(await readFile(file, 'utf8')).toBe(text);
      expect(await readdir(dir)).toEqual(['config.json']);
    },
  );

  it('serializes concurrent saves so every one lands', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `t${i}`);
    const results = await Promise.all(
      names.map((name, i) => tunnel('save', name, '--to', 'n', '-L', `${1000 + i}:h:2`)),
    );
    for (const result of results) expect(result.exitCode, result.stderr).toBe(0);
    expect(listSaved({ dir }).map((t) => t.name)).toEqual(names);
    expect(await readdir(dir)).toEqual(['config.json']);
  });

  it('recovers a lock left by a process that died', async () => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const dead = await execa('sh', ['-c', 'echo $$']);
    await writeFile(join(dir, 'config.json.lock'), `${dead.stdout.trim()} 0123456789abcdef\n`, { mode: 0o600 });
    const result = await tunnel('save', 'web', '--to', 'n', '-L', '1:h:2');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readdir(dir)).toEqual(['config.json']);
  });
});
