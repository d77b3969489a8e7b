import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { runCli, startCli } from '../support/cli.js';
import { httpGet } from '../support/http.js';
import { freePort, waitFor } from '../support/processes.js';

let sshd: TestSshd;
let dir: string;
let config: string;
let appSocket: string;
let app: Awaited<ReturnType<typeof startApp>>;
let env: Record<string, string>;

beforeAll(async () => {
  sshd = await startSshd({ alias: 'login' });
  dir = await mkdtemp(join(tmpdir(), 'tnl-saved-'));
  env = { TUNNEL_HOME: join(dir, 'state'), TUNNEL_CONFIG_DIR: join(dir, 'conf'), XDG_CONFIG_HOME: join(dir, 'xdg') };
  config = await writeClientConfig(dir, [sshd]);
  appSocket = join(dir, 'app.sock');
  app = await startApp(appSocket, 'saved works');
});

afterAll(async () => {
  await runCli(['down', '--all'], env);
  await app?.stop();
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('saved tunnels', () => {
  it('tunnel up NAME runs what tunnel save stored; flags on the command line override it', async () => {
    const port = await freePort();
    expect(
      (await runCli(['save', 'web', '-F', config, '--to', 'login', '-L', `${port}:${appSocket}`], env)).exitCode,
    ).toBe(0);
    expect((await runCli(['ls', '--saved'], env)).stdout).toMatch(/^web\t.*--to login/m);
    const { child, first } = await startCli(['up', 'web', '--json'], env);
    expect(JSON.parse(first)).toMatchObject({ name: 'web', state: 'up' });
    expect((await httpGet({ port })).body).toBe('saved works');
    child.kill('SIGTERM');
    await child;
    const other = await freePort();
    const { child: overridden, first: json } = await startCli(
      ['up', 'web', '-L', `${other}:${appSocket}`, '--json'],
      env,
    );
    expect((JSON.parse(json) as { forwards: { listen: string }[] }).forwards[0]!.listen).toBe(`127.0.0.1:${other}`);
    overridden.kill('SIGTERM');
    await overridden;
  });

  it('an unknown saved name: exit 6, one line', async () => {
    const result = await runCli(['up', 'nosuch'], env);
    expect(result.exitCode).toBe(6);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/no saved tunnel or preset named 'nosuch'/);
  });
});

describe('tunnel service', () => {
  it('install writes a private unit whose ExecStart brings the saved tunnel up; remove deletes it', async () => {
    const port = await freePort();
    await runCli(['save', 'svc', '-F', config, '--to', 'login', '-L', `${port}:${appSocket}`], env);
    const dry = await runCli(['service', 'install', 'svc', '--dry-run'], env);
    expect(dry.stdout).toMatch(/^ExecStart=.* up svc --batch$/m);
    const installed = await runCli(['service', 'install', 'svc'], env);
    expect(installed.exitCode).toBe(0);
    const unitPath = join(env.XDG_CONFIG_HOME!, 'systemd', 'user', 'tunnel-svc.service');
    expect((await stat(unitPath)).mode & 0o777).toBe(0o600);
    const unit = await readFile(unitPath, 'utf8');
    expect(unit.trimEnd()).toBe(dry.stdout);
    // No systemd here: run the unit's own ExecStart with its Environment, as systemd would.
    const exec = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(' ');
    const unitEnv = Object.fromEntries(
      /^Environment=(.*)$/m
        .exec(unit)![1]!
        .split(' ')
        .map((kv) => kv.split('=') as [string, string]),
    );
    const service = execa(exec[0]!, exec.slice(1), {
      env: { ...unitEnv, TUNNEL_CONFIG_DIR: env.TUNNEL_CONFIG_DIR! },
      reject: false,
    });
    try {
      await waitFor(
        async () => (await httpGet({ port }, '/', 500).catch(() => undefined))?.status === 200,
        15_000,
        'the unit to bring the tunnel up',
      );
    } finally {
      service.kill('SIGTERM');
      const ended = await service;
      expect(ended.exitCode, `${String(ended.signal)} ${ended.stderr}`).toBe(143);
    }
    expect((await runCli(['service', 'remove', 'svc'], env)).exitCode).toBe(0);
    await expect(stat(unitPath)).rejects.toThrow();
  });

  it('a unit for a tunnel that is not saved is refused', async () => {
    const result = await runCli(['service', 'install', 'ghost'], env);
    expect(result.exitCode).toBe(6);
  });
});
