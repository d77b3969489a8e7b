import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InitResult } from '../../src/init/run.js';
import { up } from '../../src/supervise/up.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { httpGet } from '../support/http.js';
import { freePort, waitFor } from '../support/processes.js';

// A real login sshd and a real "compute node" sshd on loopback. The user's own ssh_config is a
// temp file passed with -F, the ssh dir init writes into is a temp dir, and so is the profile
// dir (TUNNEL_CONFIG_DIR): the real ~/.ssh and ~/.config are never read or touched.
let login: TestSshd;
let node: TestSshd;
let dir: string;
let userConfig: string;
let appSocket: string;
let app: Awaited<ReturnType<typeof startApp>>;

beforeAll(async () => {
  login = await startSshd({ alias: '127.0.0.1' });
  node = await startSshd({ alias: 'nodeb', clientKeyPath: login.clientKeyPath });
  dir = await mkdtemp(join(tmpdir(), 'tnl-init-'));
  userConfig = await writeClientConfig(dir, [login, node]);
  appSocket = join(dir, 'app.sock');
  app = await startApp(appSocket, 'hello through the new config');
});

afterAll(async () => {
  await app?.stop();
  await node?.stop();
  await login?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function freshDirs(name: string): Promise<{ sshDir: string; confDir: string }> {
  const sshDir = join(dir, `${name}-ssh`);
  const confDir = join(dir, `${name}-conf`);
  await mkdir(sshDir, { mode: 0o700 });
  return { sshDir, confDir };
}

describe('tunnel init --yes against a real sshd', () => {
  it('checks the login live, saves a profile, and writes an ssh_config that plain ssh uses to build a tunnel', async () => {
    const { sshDir, confDir } = await freshDirs('full');
    const loginHop = `${login.user}@127.0.0.1:${login.port}`;
    const started = Date.now();
    const result = await runCli(
      [
        'init',
        '--yes',
        '--login',
        loginHop,
        '--name',
        'lab',
        '--node',
        'nodeb',
        '--apps',
        'jupyter',
        '--write-config',
        '--ssh-config',
        userConfig,
        '--ssh-dir',
        sshDir,
        '--json',
      ],
      { TUNNEL_CONFIG_DIR: confDir },
    );
    const initMs = Date.now() - started;
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as InitResult;
    expect(summary.login).toEqual({ hop: loginHop, hostName: '127.0.0.1', user: login.user, port: login.port });
    expect(summary.node).toEqual({ name: 'nodeb', pattern: 'nodeb', checked: true, connected: true });
    expect(summary.sshConfig.written).toBe(true);
    expect(initMs).toBeLessThan(15_000);

    // The profile: private, the login node as the default hop, the app as a saved tunnel.
    const profileFile = join(confDir, 'config.json');
    expect(statSync(profileFile).mode & 0o777).toBe(0o600);
    const profile = JSON.parse(await readFile(profileFile, 'utf8')) as {
      defaults: { via: string[] };
      tunnels: Record<string, unknown>;
    };
    expect(profile.defaults.via).toEqual([loginHop]);
    expect(profile.tunnels['lab-jupyter']).toEqual({
      via: [loginHop],
      to: 'nodeb',
      sshConfig: userConfig,
      preset: 'jupyter',
    });

    // OpenSSH accepts the written config and resolves both entries as init meant.
    const sshConfigFile = join(sshDir, 'config');
    const resolved = await execa('ssh', ['-F', sshConfigFile, '-G', 'lab'], { reject: false, stdin: 'ignore' });
    expect(resolved.exitCode, resolved.stderr).toBe(0);
    expect(resolved.stdout).toMatch(/^hostname 127\.0\.0\.1$/m);
    expect(resolved.stdout).toMatch(new RegExp(`^port ${login.port}$`, 'm'));
    const nodeResolved = await execa('ssh', ['-F', sshConfigFile, '-G', 'nodeb'], { stdin: 'ignore' });
    expect(nodeResolved.stdout).toMatch(/^proxyjump lab$/m);

    // Plain ssh with nothing but that file builds a tunnel, and a request goes through it.
    const port = await freePort();
    const tunnel = execa(
      'ssh',
      ['-F', sshConfigFile, '-N', '-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${port}:${appSocket}`, 'lab'],
      { reject: false, stdin: 'ignore' },
    );
    try {
      let body = '';
      await waitFor(
        async () => {
          body = (await httpGet({ port }, '/', 1000).catch(() => ({ body: '' }))).body;
          return body !== '';
        },
        10_000,
        'a request through ssh -F <written config> -N lab',
      );
      expect(body).toBe('hello through the new config');
    } finally {
      tunnel.kill('SIGTERM');
      await tunnel;
    }
  });

  it('the tunnel options init derives reach the example node through the login node', async () => {
    const { sshDir, confDir } = await freshDirs('options');
    const result = await runCli(
      [
        'init',
        '--yes',
        '--login',
        `127.0.0.1:${login.port}`,
        '--node',
        'nodeb',
        '--ssh-config',
        userConfig,
        '--ssh-dir',
        sshDir,
        '--json',
      ],
      { TUNNEL_CONFIG_DIR: confDir },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as InitResult;
    expect(summary.tunnelOptions).toEqual({ via: [`127.0.0.1:${login.port}`], to: 'nodeb', sshConfig: userConfig });
    // --yes alone never touches ssh_config.
    expect(summary.sshConfig.written).toBe(false);
    expect(existsSync(join(sshDir, 'config'))).toBe(false);
    const port = await freePort();
    const tunnel = await up(
      { ...summary.tunnelOptions, local: [`${port}:${appSocket}`] },
      { readyTimeoutMs: 10_000, healthIntervalMs: 0 },
    );
    try {
      expect(tunnel.plan.route).toEqual(['localhost', `127.0.0.1:${login.port}`, 'nodeb']);
      expect((await httpGet({ port })).body).toBe('hello through the new config');
    } finally {
      await tunnel.down();
    }
  });

  it("a login that fails ends init with OpenSSH's reason and the connect exit code, saving nothing", async () => {
    const { sshDir, confDir } = await freshDirs('refused');
    const closed = await freePort();
    const result = await runCli(
      ['init', '--yes', '--login', `127.0.0.1:${closed}`, '--ssh-config', userConfig, '--ssh-dir', sshDir],
      { TUNNEL_CONFIG_DIR: confDir },
      30_000,
    );
    expect(result.exitCode).toBe(5);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/Connection refused/);
    expect(existsSync(join(confDir, 'config.json'))).toBe(false);
  });
});

describe('tunnel init without a terminal', () => {
  it.each([
    [
      [],
      /missing --login, --isolated or --no-isolated, --apps, --write-config or --no-write-config \(stdin is not a terminal/,
    ],
    [['--login', 'somewhere.invalid', '--isolated'], /missing --node, --apps, --write-config or --no-write-config/],
    [['--yes'], /missing --login \(no default exists, even with --yes\)/],
  ])('init %j exits 2 at once, naming the missing flags', async (args, message) => {
    const started = Date.now();
    const result = await runCli(['init', ...args], { TUNNEL_CONFIG_DIR: join(dir, 'never-written') }, 10_000);
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(existsSync(join(dir, 'never-written'))).toBe(false);
  });
});
