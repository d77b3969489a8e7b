import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeEntries, writeEntries } from '../../src/sshconfig/install.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { httpGet } from '../support/http.js';
import { freePort, waitFor } from '../support/processes.js';

// A login sshd and a "compute node" sshd on loopback; the user's ssh dir is a temp dir whose
// `config` holds the harness Host blocks plus the user's own lines, which must survive untouched.
let login: TestSshd;
let node: TestSshd;
let sshDir: string;
let config: string;
let tunnelConf: string;
let userLines: string;
let appSocket: string;
let app: Awaited<ReturnType<typeof startApp>>;

const USER_OWN = "\n# my own settings, not tunnel's\nHost *\n  BatchMode yes\n";
const sshG = async (name: string) => (await execa('ssh', ['-F', config, '-G', name], { stdin: 'ignore' })).stdout;
const snapshot = async () => ({
  config: await readFile(config, 'utf8'),
  tunnel: await readFile(tunnelConf, 'utf8').catch(() => undefined),
  mtimes: [(await stat(config)).mtimeMs, (await stat(tunnelConf).catch(() => undefined))?.mtimeMs],
});

beforeAll(async () => {
  login = await startSshd({ alias: 'cfgLogin' });
  node = await startSshd({ alias: 'cfgNode', clientKeyPath: login.clientKeyPath });
  sshDir = await mkdtemp(join(tmpdir(), 'tnl-sshdir-'));
  await chmod(sshDir, 0o700);
  userLines = (await readFile(await writeClientConfig(sshDir, [login, node]), 'utf8')) + USER_OWN;
  config = join(sshDir, 'config');
  tunnelConf = join(sshDir, 'config.d', 'tunnel.conf');
  await writeFile(config, userLines, { mode: 0o640 });
  appSocket = join(sshDir, 'app.sock');
  app = await startApp(appSocket, 'hello through ssh_config');
});

afterAll(async () => {
  await app?.stop();
  await node?.stop();
  await login?.stop();
  if (sshDir) await rm(sshDir, { recursive: true, force: true });
});

/** Runs `ssh -F config -N alias` until the forward answers, then kills it by pid. */
async function requestThrough(alias: string, port: number): Promise<string> {
  const ssh = execa('ssh', ['-F', config, '-N', alias], { reject: false, stdin: 'ignore' });
  try {
    let body = '';
    await waitFor(
      async () => {
        body = await httpGet({ port }, '/', 1000).then(
          (r) => r.body,
          () => '',
        );
        return body !== '';
      },
      15_000,
      `a request through ssh -N ${alias}`,
    );
    return body;
  } finally {
    ssh.kill('SIGTERM');
    await ssh;
  }
}

describe('tunnel config --write: plain ssh builds the tunnel', () => {
  let port: number;
  const writeArgs = () => [
    'config',
    'web',
    '-F',
    config,
    '--via',
    'cfgLogin',
    '--to',
    'cfgNode',
    '-L',
    `${port}:${appSocket}`,
    '--ssh-dir',
    sshDir,
    '--write',
  ];

  it('installs the entry, adds one Include above the user lines, and ssh -F config -N web reaches the far side', async () => {
    port = await freePort();
    const printed = await runCli(writeArgs().filter((a) => a !== '--write'));
    expect(printed.exitCode, printed.stderr).toBe(0);
    expect(printed.stdout).toContain(`HostName 127.0.0.1\n  User ${node.user}\n  Port ${node.port}\n`);
    expect(printed.stdout).toContain('ProxyJump cfgLogin');
    expect(printed.stdout).toContain(`LocalForward 127.0.0.1:${port} ${appSocket}`);

    const result = await runCli([...writeArgs(), '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as {
      changed: boolean;
      files: Array<{ path: string; changed: boolean; backup: string | null }>;
    };
    expect(json.changed).toBe(true);
    expect(json.files).toEqual([
      { path: tunnelConf, changed: true, backup: null },
      { path: config, changed: true, backup: `${config}.bak-tunnel` },
    ]);
    expect(await readFile(config, 'utf8')).toBe(`Include ${tunnelConf}\n${userLines}`);
    expect(await readFile(`${config}.bak-tunnel`, 'utf8')).toBe(userLines);
    expect((await stat(config)).mode & 0o777).toBe(0o640);
    expect((await stat(tunnelConf)).mode & 0o777).toBe(0o600);
    expect((await stat(join(sshDir, 'config.d'))).mode & 0o777).toBe(0o700);
    expect(await readFile(tunnelConf, 'utf8')).toContain(printed.stdout);

    expect(await requestThrough('web', port)).toBe('hello through ssh_config');
  });

  it('--write again: "unchanged", both files byte-identical, no write (mtimes kept), no new backup', async () => {
    const before = await snapshot();
    const backups = await readdir(sshDir);
    const again = await runCli(writeArgs());
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^unchanged: Host web in /);
    expect(await snapshot()).toEqual(before);
    expect(await readdir(sshDir)).toEqual(backups);
  });

  it('a changed tunnel replaces the entry by name, shows a diff and backs up the old file', async () => {
    const before = await readFile(tunnelConf, 'utf8');
    const result = await runCli([...writeArgs(), '--keepalive', '5']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('-  ServerAliveInterval 10\n+  ServerAliveInterval 5');
    expect(await readFile(`${tunnelConf}.bak`, 'utf8')).toBe(before);
    expect((await readFile(tunnelConf, 'utf8')).match(/^Host web$/gm)).toHaveLength(1);
    expect(await readFile(config, 'utf8')).toBe(`Include ${tunnelConf}\n${userLines}`);
  });

  it('an entry OpenSSH rejects is refused with its own message, and nothing changes', async () => {
    const before = await snapshot();
    // A socket path ssh would rewrite ('%z') is now refused before OpenSSH is asked; nothing changes either way.
    const cli = await runCli([
      'config',
      'bad',
      '-F',
      config,
      '--to',
      'cfgNode',
      '-L',
      `${await freePort()}:/tmp/a%z.sock`,
      '--ssh-dir',
      sshDir,
      '--write',
    ]);
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr).toMatch(/contains '%', '\$\{' or '\\', which ssh rewrites/);
    expect(await snapshot()).toEqual(before);

    const forced = writeEntries({ sshDir, entries: [{ name: 'bad', text: 'Host bad\n  ServerAliveInterval soon\n' }] });
    await expect(forced).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(
        new RegExp(`^${tunnelConf} line \\d+: invalid time value\\. — nothing was changed$`),
      ),
    });
    expect(await snapshot()).toEqual(before);
    expect((await readdir(sshDir)).filter((n) => n.includes('tunnel-tmp'))).toEqual([]);
    expect(
      (await readdir(join(sshDir, 'config.d'))).filter((n) => n !== 'tunnel.conf' && n !== 'tunnel.conf.bak'),
    ).toEqual([]);
  });

  it('--remove takes the entry out and leaves the user lines untouched', async () => {
    const configBefore = await readFile(config, 'utf8');
    const result = await runCli(['config', 'web', '--remove', '--ssh-dir', sshDir]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^removed Host web in /);
    expect(await readFile(tunnelConf, 'utf8')).not.toContain('Host web');
    expect(await readFile(config, 'utf8')).toBe(configBefore);
    expect(await sshG('web')).toMatch(/^hostname web$/m);
    const again = await runCli(['config', 'web', '--remove', '--ssh-dir', sshDir]);
    expect(again.stdout).toMatch(/^unchanged/);
  });
});

describe('tunnel config: printing and usage', () => {
  it('--json without --write prints the entry and writes nothing', async () => {
    const before = await readdir(sshDir);
    const result = await runCli([
      'config',
      '--host-alias',
      'peek',
      '-F',
      config,
      '--to',
      'cfgNode',
      '-L',
      '9:/tmp/x.sock',
      '--ssh-dir',
      sshDir,
      '--json',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as { name: string; action: string; text: string };
    expect(json).toMatchObject({ name: 'peek', action: 'print' });
    expect(json.text).toMatch(/^Host peek$/m);
    expect(await readdir(sshDir)).toEqual(before);
  });

  it.each([
    ['no alias at all', ['config', '--to', 'cfgNode', '-L', '9:/tmp/x.sock'], /name the Host entry/],
    ['a hostile alias', ['config', 'x\nHost *', '--to', 'cfgNode', '-L', '9:/tmp/x.sock'], /--host-alias/],
    [
      'relay cannot be ssh_config',
      ['config', 'r', '--via', 'cfgLogin', '--to', 'cfgNode', '--strategy', 'relay', '-L', '9:/tmp/x.sock'],
      /--strategy relay cannot be written/,
    ],
  ])('exit 2 for %s', async (_, args, message) => {
    const result = await runCli([...args, '-F', config, '--ssh-dir', sshDir, '--write']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('tunnel config --control-master', () => {
  it('ssh -N returns at once, the background master carries the forward, ssh -O exit stops it', async () => {
    const port = await freePort();
    const result = await runCli([
      'config',
      'cm',
      '-F',
      config,
      '--to',
      'cfgNode',
      '-L',
      `${port}:${appSocket}`,
      '--control-master',
      '--ssh-dir',
      sshDir,
      '--write',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readFile(tunnelConf, 'utf8')).toContain(`ControlPath ${sshDir}/cm-%C`);
    const first = await execa('ssh', ['-F', config, '-N', 'cm'], { reject: false, stdin: 'ignore', timeout: 15_000 });
    expect(first.exitCode, first.stderr).toBe(0);
    try {
      expect((await httpGet({ port })).body).toBe('hello through ssh_config');
      const check = await execa('ssh', ['-F', config, '-O', 'check', 'cm'], { reject: false, stdin: 'ignore' });
      expect(check.stderr).toMatch(/Master running/);
    } finally {
      await execa('ssh', ['-F', config, '-O', 'exit', 'cm'], { reject: false, stdin: 'ignore', timeout: 10_000 });
    }
    await expect(httpGet({ port }, '/', 1000)).rejects.toThrow();
    await removeEntries({ sshDir, names: ['cm'] });
  });
});

describe('what OpenSSH itself makes of the file', () => {
  it('values that need quoting survive the round trip through ssh -G', async () => {
    const text = [
      'Host quoted',
      '  HostName 127.0.0.1',
      '  User "a b"',
      '  IdentityFile "/tmp/k \\"1\\"\\\\x"',
      '  LocalForward 127.0.0.1:1 "/tmp/my dir/app.sock"',
      '',
    ].join('\n');
    await writeEntries({ sshDir, entries: [{ name: 'quoted', text }] });
    const resolved = await sshG('quoted');
    expect(resolved).toMatch(/^user a b$/m);
    expect(resolved).toMatch(/^identityfile \/tmp\/k "1"\\x$/m);
    expect(resolved).toMatch(/^localforward \[127\.0\.0\.1\]:1 \/tmp\/my dir\/app\.sock$/m);
    await removeEntries({ sshDir, names: ['quoted'] });
  });

  it('a relative Include in a -F config resolves against the real ~/.ssh, which is why other dirs get an absolute one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tnl-rel-'));
    try {
      await writeEntries({
        sshDir: dir,
        entries: [{ name: 'relcheck', text: 'Host relcheck\n  HostName 127.0.0.9\n' }],
      });
      await writeFile(join(dir, 'relative'), 'Include config.d/tunnel.conf\n');
      const relative = await execa('ssh', ['-F', join(dir, 'relative'), '-G', 'relcheck'], { stdin: 'ignore' });
      expect(relative.stdout).toMatch(/^hostname relcheck$/m);
      const absolute = await execa('ssh', ['-F', join(dir, 'config'), '-G', 'relcheck'], { stdin: 'ignore' });
      expect(absolute.stdout).toMatch(/^hostname 127\.0\.0\.9$/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a symlinked config (dotfile managers)', () => {
  it('is written through: the link stays a link and its target gets the Include', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tnl-link-'));
    try {
      const dotfiles = join(dir, 'dotfiles');
      const linkDir = join(dir, 'ssh');
      await Promise.all([mkdir(dotfiles), mkdir(linkDir, { mode: 0o700 })]);
      await writeFile(join(dotfiles, 'ssh_config'), 'Host x\n  User y\n', { mode: 0o600 });
      await symlink(join(dotfiles, 'ssh_config'), join(linkDir, 'config'));
      await writeEntries({
        sshDir: linkDir,
        entries: [{ name: 'linked', text: 'Host linked\n  HostName 127.0.0.7\n' }],
      });
      expect((await lstat(join(linkDir, 'config'))).isSymbolicLink()).toBe(true);
      expect(await readFile(join(dotfiles, 'ssh_config'), 'utf8')).toBe(
        `Include ${linkDir}/config.d/tunnel.conf\nHost x\n  User y\n`,
      );
      expect(await readdir(dotfiles)).toEqual(['ssh_config']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the lock', () => {
  it('concurrent writers do not lose each other’s entries', async () => {
    const runs = ['c1', 'c2', 'c3'].map((name, i) =>
      runCli([
        'config',
        name,
        '-F',
        config,
        '--to',
        'cfgNode',
        '-L',
        `${20_001 + i}:${appSocket}`,
        '--ssh-dir',
        sshDir,
        '--write',
      ]),
    );
    for (const run of await Promise.all(runs)) expect(run.exitCode, run.stderr).toBe(0);
    const text = await readFile(tunnelConf, 'utf8');
    for (const name of ['c1', 'c2', 'c3']) expect(text.match(new RegExp(`^Host ${name}$`, 'gm'))).toHaveLength(1);
    await removeEntries({ sshDir, names: ['c1', 'c2', 'c3'] });
  });

  it('recovers a stale lock left by a dead pid, and waits then fails on a live one', async () => {
    const lock = join(sshDir, 'config.d', '.tunnel.lock');
    const child = execa('true');
    const deadPid = child.pid;
    await child;
    await writeFile(lock, `${deadPid}\n`, { mode: 0o600 });
    await writeEntries({ sshDir, entries: [{ name: 'stale', text: 'Host stale\n  HostName 127.0.0.8\n' }] });
    await expect(stat(lock)).rejects.toMatchObject({ code: 'ENOENT' });

    await writeFile(lock, `${process.pid}\n`, { mode: 0o600 });
    try {
      const started = Date.now();
      await expect(removeEntries({ sshDir, names: ['stale'], lockTimeoutMs: 300 })).rejects.toMatchObject({
        code: 'LOCKED',
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(await readFile(tunnelConf, 'utf8')).toContain('Host stale');
    } finally {
      await rm(lock, { force: true });
    }
    await removeEntries({ sshDir, names: ['stale'] });
  });
});
