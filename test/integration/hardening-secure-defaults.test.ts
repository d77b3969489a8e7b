import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { httpGet } from '../support/http.js';
import { freePort } from '../support/processes.js';
import {
  makeSandbox,
  makeTripwire,
  pidsWithMark,
  removeDir,
  runInSandbox,
  sandboxEnv,
  snapshot,
  sshPids,
  startInSandbox,
  type Sandbox,
} from '../fixtures/hardening/cli-sandbox.js';
import { makeShortDir } from '../fixtures/hardening/odd-names.js';

// Secure defaults, each observed on the running system: what ss says is bound, the modes
// of what the tool created, which socket directories it refuses, and the environment ssh gets.

let sshd: TestSshd;
let dir: string;
let config: string;
let appSocket: string;
let app: Awaited<ReturnType<typeof startApp>>;
let box: Sandbox;
let tripwire: Awaited<ReturnType<typeof makeTripwire>>;

beforeAll(async () => {
  dir = await makeShortDir();
  sshd = await startSshd({ alias: 'hopA' });
  config = await writeClientConfig(dir, [sshd]);
  appSocket = join(dir, 'app.sock');
  app = await startApp(appSocket, 'private hello');
  box = await makeSandbox();
  tripwire = await makeTripwire();
});

afterAll(async () => {
  await app?.stop();
  await sshd?.stop();
  await removeDir(dir);
  await removeDir(box?.root);
  await removeDir(tripwire?.dir);
});

/** Local addresses ss reports listening on a TCP port. */
async function listeningAddresses(port: number): Promise<string[]> {
  const result = await execa('ss', ['-ltnH', `sport = :${port}`]);
  return String(result.stdout)
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/)[3]!);
}

describe('what a running tunnel binds and creates', () => {
  it('-L binds 127.0.0.1 unless an address is given; local sockets are 0600, also in a sticky shared dir', async () => {
    const [plain, asked] = [await freePort(), await freePort()];
    const privateDir = join(dir, 'private');
    const stickyDir = join(dir, 'sticky');
    await mkdir(privateDir, { mode: 0o700 });
    await mkdir(stickyDir);
    await chmod(stickyDir, 0o1777); // like /tmp: others may create, not replace
    const privateSocket = join(privateDir, 'l.sock');
    const stickySocket = join(stickyDir, 'l.sock');
    const { child, first } = await startInSandbox(
      [
        'up',
        '-F',
        config,
        '--to',
        'hopA',
        '--json',
        '--health-interval',
        '0',
        '-L',
        `${plain}:${appSocket}`,
        '-L',
        `127.0.0.2:${asked}:${appSocket}`,
        '-L',
        `${privateSocket}:${appSocket}`,
        '-L',
        `${stickySocket}:${appSocket}`,
      ],
      box,
    );
    try {
      expect((JSON.parse(first) as { state: string }).state).toBe('up');
      expect(await listeningAddresses(plain)).toEqual([`127.0.0.1:${plain}`]);
      expect(await listeningAddresses(asked)).toEqual([`127.0.0.2:${asked}`]);
      for (const socket of [privateSocket, stickySocket]) {
        expect(lstatSync(socket).mode & 0o777, socket).toBe(0o600);
        expect((await httpGet({ socketPath: socket })).body).toBe('private hello');
      }
      expect(lstatSync(privateDir).mode & 0o7777).toBe(0o700);
    } finally {
      child.kill('SIGTERM');
      const ended = await child;
      expect(ended.exitCode).toBe(143);
    }
    expect(existsSync(privateSocket), privateSocket).toBe(false);
    expect(existsSync(stickySocket), stickySocket).toBe(false);
  });

  it('an existing state dir open to others is refused (never chmod-ed behind your back), and nothing starts', async () => {
    await chmod(box.state, 0o755);
    const refused = await runInSandbox(
      ['up', '-d', '--name', 'sec', '-F', config, '--to', 'hopA', '-L', `${await freePort()}:${appSocket}`],
      box,
      { timeoutMs: 40_000 },
    );
    expect(refused.exitCode).toBe(7); // its own code: not a refused forward
    expect(refused.stderr.trim()).toMatch(/is open to other users \(mode 755\); run chmod 700 /);
    expect((await stat(box.state)).mode & 0o777).toBe(0o755);
    await chmod(box.state, 0o700);
  });

  it('a background tunnel keeps its state 0700/0600 and ls --json holds no secrets', async () => {
    const port = await freePort();
    const started = await runInSandbox(
      ['up', '-d', '--name', 'sec', '-F', config, '--to', 'hopA', '-L', `${port}:${appSocket}`],
      box,
      { timeoutMs: 40_000 },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    try {
      const tree = await snapshot(box.state);
      expect(Object.keys(tree)).toEqual(
        expect.arrayContaining([
          'tunnels/sec/record.json',
          'tunnels/sec/request.json',
          'tunnels/sec/log',
          'tunnels/sec/supervisor.lock',
        ]),
      );
      for (const [path, entry] of Object.entries(tree)) {
        if (entry.startsWith('dir')) expect(entry, path).toBe('dir 700');
        else expect(entry.slice(0, 9), path).toBe('file 600 ');
      }
      const listed = await runInSandbox(['ls', '--json'], box);
      expect(listed.exitCode, listed.stderr).toBe(0);
      const keys = JSON.stringify(JSON.parse(listed.stdout)).match(/"[A-Za-z_]+":/g) ?? [];
      expect(keys.filter((key) => /token|secret|password|passphrase|key"/i.test(key))).toEqual([]);
    } finally {
      const down = await runInSandbox(['down', 'sec'], box, { timeoutMs: 30_000 });
      expect(down.exitCode, down.stderr).toBe(0);
    }
  });
});

describe('local socket paths in unsafe places are refused before ssh starts', () => {
  type UnsafeCase = [string, (path: string) => Promise<void>, RegExp];
  const cases: UnsafeCase[] = [
    [
      'a world-writable directory without the sticky bit',
      async (p) => chmod(join(p, '..'), 0o777),
      /writable by other users or owned by someone else/,
    ],
    [
      'a group-writable directory',
      async (p) => chmod(join(p, '..'), 0o770),
      /writable by other users or owned by someone else/,
    ],
    // chown needs root (the CI machine runs as root); elsewhere this one case is left out.
    ...(process.getuid?.() === 0
      ? [
          [
            'a directory owned by someone else',
            async (p: string) => chown(join(p, '..'), 65534, 65534),
            /writable by other users or owned by someone else/,
          ] satisfies UnsafeCase,
        ]
      : []),
    ['a path that is a regular file', async (p) => writeFile(p, 'precious\n'), /exists and is not a socket/],
    ['a path that is a symlink', async (p) => symlink(appSocket, p), /exists and is not a socket/],
  ];

  it.each(cases)('%s', async (_, prepare, message) => {
    const parent = await makeShortDir();
    try {
      const path = join(parent, 'l.sock');
      await prepare(path);
      const before = await snapshot(parent);
      const mark = `unsafe-${Date.now()}`;
      const result = await runInSandbox(['up', '-F', config, '--to', 'hopA', '-L', `${path}:${appSocket}`], box, {
        path: tripwire.dir,
        mark,
      });
      expect(result.exitCode, result.stderr).toBe(EXIT.forward);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(await snapshot(parent)).toEqual(before);
      expect(await tripwire.calls(mark)).toEqual([]);
      expect(await pidsWithMark(await sshPids(), mark)).toEqual([]);
    } finally {
      await removeDir(parent);
    }
  });

  it('a socket someone is listening on is left alone', async () => {
    const parent = await makeShortDir();
    const path = join(parent, 'busy.sock');
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const result = await runInSandbox(['up', '-F', config, '--to', 'hopA', '-L', `${path}:${appSocket}`], box, {
        path: tripwire.dir,
        mark: 'busy',
      });
      expect(result.exitCode).toBe(EXIT.forward);
      expect(result.stderr).toMatch(/in use by a live process/);
      expect((await lstat(path)).isSocket()).toBe(true);
      expect(await tripwire.calls('busy')).toEqual([]);
    } finally {
      server.close();
      await removeDir(parent);
    }
  });
});

describe('the environment ssh gets is the one the tool was given', () => {
  /** A stand-in ssh (node, so no shell adds PWD or SHLVL) that saves its environment and fails. */
  async function envRecorder(): Promise<{ bin: string; out: string }> {
    const bin = join(box.root, 'env-bin');
    await mkdir(bin, { recursive: true });
    const out = join(box.root, 'ssh-env.json');
    await writeFile(
      join(bin, 'ssh'),
      `#!${process.execPath}\nrequire('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env));\nprocess.exit(255);\n`,
      { mode: 0o755 },
    );
    return { bin, out };
  }

  it.each([
    ['foreground up', ['up', '--to', 'hopA', '-L', '127.0.0.1:1:localhost:1', '--no-reconnect']],
    [
      'up -d (via the detached supervisor)',
      ['up', '-d', '--name', 'envcheck', '--to', 'hopA', '-L', '127.0.0.1:1:localhost:1', '--no-reconnect'],
    ],
  ])('%s: no variable added, removed or changed', async (_, args) => {
    const { bin, out } = await envRecorder();
    await rm(out, { force: true });
    const result = await runInSandbox(args, box, { path: bin, mark: 'env' });
    expect(result.exitCode, result.stderr).not.toBe(0);
    expect(existsSync(out), `the stand-in ssh never ran: ${result.stderr}`).toBe(true);
    const seen = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
    expect(seen).toEqual(sandboxEnv(box, { path: bin, mark: 'env' }));
    await runInSandbox(['down', 'envcheck'], box);
    expect(await readdir(join(box.state, 'tunnels')).catch(() => [])).not.toContain('envcheck');
  });
});
