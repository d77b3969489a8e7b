import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../src/supervise/up.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { httpGet } from '../support/http.js';
import { freePort, isAlive, waitFor } from '../support/processes.js';

let sshd: TestSshd;
let dir: string;
let config: string;
let home: string;
let appSocket: string;
let app: Awaited<ReturnType<typeof startApp>>;
const env = () => ({ TUNNEL_HOME: home });

beforeAll(async () => {
  sshd = await startSshd({ alias: 'login' });
  dir = await mkdtemp(join(tmpdir(), 'tnl-sup-'));
  home = join(dir, 'state');
  config = await writeClientConfig(dir, [sshd]);
  appSocket = join(dir, 'app.sock');
  app = await startApp(appSocket, 'app answers');
});

afterAll(async () => {
  await runCli(['down', '--all'], env());
  await app?.stop();
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

const lsJson = async () =>
  JSON.parse((await runCli(['ls', '--json'], env())).stdout) as Array<{
    name: string;
    state: string;
    sshPids: number[];
    supervisorPid: number;
    restarts: number;
  }>;

describe('background tunnels', () => {
  it('up -d returns once ready; ls/status/logs tell the truth; down leaves nothing', async () => {
    const port = await freePort();
    const local = join(dir, 'web.sock');
    const started = await runCli(
      [
        'up',
        '-F',
        config,
        '--to',
        'login',
        '-L',
        `${port}:${appSocket}`,
        '-L',
        `${local}:${appSocket}`,
        '-d',
        '--name',
        'web',
        '--json',
      ],
      env(),
    );
    expect(started.exitCode).toBe(0);
    const json = JSON.parse(started.stdout) as { state: string; pids: number[]; supervisorPid: number };
    expect(json.state).toBe('up');
    expect((await httpGet({ port })).body).toBe('app answers');
    const [listed] = await lsJson();
    expect(listed).toMatchObject({ name: 'web', state: 'up', restarts: 0 });
    expect((await runCli(['status', 'web'], env())).exitCode).toBe(0);
    expect((await runCli(['logs', 'web'], env())).stdout).toContain('up: ssh -N -T');
    const down = await runCli(['down', 'web'], env());
    expect(down.exitCode).toBe(0);
    expect(isAlive(json.supervisorPid)).toBe(false);
    for (const pid of json.pids) expect(isAlive(pid)).toBe(false);
    expect(await lsJson()).toEqual([]);
    expect(existsSync(join(home, 'tunnels', 'web'))).toBe(false);
    expect(existsSync(local)).toBe(false);
  });

  it('state files are private: 0700 dirs, 0600 files', async () => {
    const port = await freePort();
    await runCli(['up', '-F', config, '--to', 'login', '-L', `${port}:${appSocket}`, '-d', '--name', 'private'], env());
    const { statSync, readdirSync } = await import('node:fs');
    expect(statSync(home).mode & 0o777).toBe(0o700);
    const tunnel = join(home, 'tunnels', 'private');
    expect(statSync(tunnel).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(tunnel)) expect(statSync(join(tunnel, file)).mode & 0o777).toBe(0o600);
    await runCli(['down', 'private'], env());
  });

  it('a stop note left by an earlier run that nobody waited for is removed by the next up -d of the name', async () => {
    const note = join(home, 'tunnels', '.noted.stopped.json');
    await mkdir(join(home, 'tunnels'), { recursive: true, mode: 0o700 });
    await writeFile(note, '{"jobs":[]}\n', { mode: 0o600 });
    const started = await runCli(
      ['up', '-F', config, '--to', 'login', '-L', `${await freePort()}:${appSocket}`, '-d', '--name', 'noted'],
      env(),
    );
    expect(started.exitCode, started.stderr).toBe(0);
    expect(existsSync(note)).toBe(false);
    expect((await runCli(['down', 'noted'], env())).stdout).toBe('down noted');
  });

  it('two up with the same name: one wins, the other gets a clear error', async () => {
    // Two distinct ports, chosen before either starts: the loser must fail on the name, not on a port.
    const first = await freePort();
    let second = await freePort();
    for (let i = 0; i < 10 && second === first; i += 1) second = await freePort();
    const twin = (port: number) =>
      runCli(['up', '-F', config, '--to', 'login', '-L', `${port}:${appSocket}`, '-d', '--name', 'twin'], env());
    const [a, b] = await Promise.all([twin(first), twin(second)]);
    expect([a.exitCode, b.exitCode].sort(), `${a.stderr}\n${b.stderr}`).toEqual([0, 1]);
    expect([a.stderr, b.stderr].join('')).toMatch(/twin is already running \(pid \d+\)/);
    expect((await lsJson()).filter((t) => t.name === 'twin')).toHaveLength(1);
    await runCli(['down', 'twin'], env());
  });

  it('a SIGKILLed supervisor shows as dead, and down still removes its ssh and sockets', async () => {
    const local = join(dir, 'k.sock');
    await runCli(['up', '-F', config, '--to', 'login', '-L', `${local}:${appSocket}`, '-d', '--name', 'killed'], env());
    const [record] = (await lsJson()).filter((t) => t.name === 'killed');
    process.kill(record!.supervisorPid, 'SIGKILL');
    await waitFor(() => !isAlive(record!.supervisorPid), 5000, 'supervisor to die');
    expect((await lsJson()).find((t) => t.name === 'killed')?.state).toBe('dead');
    expect((await runCli(['status', 'killed'], env())).exitCode).not.toBe(0);
    expect(isAlive(record!.sshPids[0]!)).toBe(true);
    const down = await runCli(['down', 'killed'], env());
    expect(down.stdout).toContain('supervisor was dead');
    expect(isAlive(record!.sshPids[0]!)).toBe(false);
    expect(existsSync(local)).toBe(false);
  });

  it('down of an unknown name: exit 6, one line', async () => {
    const result = await runCli(['down', 'nope'], env());
    expect(result.exitCode).toBe(6);
    expect(result.stderr.trim()).toBe("tunnel: no running tunnel named 'nope'; see 'tunnel ls'");
  });
});

describe('end-to-end health and failures retrying cannot fix', () => {
  it('the app stopping makes the tunnel degraded, not up; its return makes it up again', async () => {
    const socket = join(dir, 'flaky.sock');
    const flaky = await startApp(socket, 'flaky');
    const tunnel = await up(
      { sshConfig: config, to: 'login', local: [`${await freePort()}:${socket}`] },
      { healthIntervalMs: 300 },
    );
    try {
      const degraded = new Promise((resolve) => tunnel.once('degraded', resolve));
      await flaky.stop();
      await degraded;
      expect(tunnel.forwards()[0]?.health).toBe('unreachable');
      const back = new Promise((resolve) => tunnel.once('up', resolve));
      const again = await startApp(socket, 'flaky');
      await back;
      expect(tunnel.forwards()[0]?.health).toBe('ok');
      await again.stop();
    } finally {
      await tunnel.down();
    }
  });

  it('auth refused on reconnect: failed with AUTH_FAILED, no retry loop', async () => {
    const keys = join(sshd.dir, 'authorized_keys');
    const original = await readFile(keys, 'utf8');
    const tunnel = await up(
      { sshConfig: config, to: 'login', local: [`${await freePort()}:${appSocket}`], keepalive: 1, keepaliveCount: 2 },
      { healthIntervalMs: 0 },
    );
    try {
      const failed = new Promise<{ code: string }>((resolve) => tunnel.once('failed', resolve));
      await writeFile(keys, '');
      await sshd.killConnections();
      expect((await failed).code).toBe('AUTH_FAILED');
      expect(tunnel.state).toBe('failed');
    } finally {
      await writeFile(keys, original);
      await tunnel.down();
    }
  });

  it('a changed host key is never accepted: failed with HOST_KEY_MISMATCH', async () => {
    const knownHosts = (await readFile(config, 'utf8')).match(/UserKnownHostsFile (\S+)/)![1]!;
    const original = await readFile(knownHosts, 'utf8');
    const tunnel = await up(
      { sshConfig: config, to: 'login', local: [`${await freePort()}:${appSocket}`], keepalive: 1, keepaliveCount: 2 },
      { healthIntervalMs: 0 },
    );
    try {
      const failed = new Promise<{ code: string }>((resolve) => tunnel.once('failed', resolve));
      await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'impostor')]);
      const impostor = (await readFile(join(dir, 'impostor.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
      await writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${impostor}\n`);
      await sshd.killConnections();
      expect((await failed).code).toBe('HOST_KEY_MISMATCH');
    } finally {
      await writeFile(knownHosts, original);
      await tunnel.down();
    }
  });

  it('a stale -R socket on the server (StreamLocalBindUnlink off) is removed before binding', async () => {
    const remote = join(dir, 'stale-r.sock');
    const crashed = execa(
      'node',
      ['-e', `require('net').createServer().listen(${JSON.stringify(remote)}, () => console.log('up'))`],
      { reject: false },
    );
    await new Promise((r) => crashed.stdout.once('data', r));
    crashed.kill('SIGKILL');
    await crashed;
    expect(existsSync(remote)).toBe(true);
    const target = await startApp('0', 'reverse ok');
    const tunnel = await up(
      { sshConfig: config, to: 'login', remote: [`${remote}:127.0.0.1:${target.port!}`] },
      { healthIntervalMs: 0 },
    );
    try {
      expect((await httpGet({ socketPath: remote })).body).toBe('reverse ok');
    } finally {
      await tunnel.down();
      await target.stop();
    }
    expect(existsSync(remote)).toBe(false);
  });

  it("a live -R socket (another tunnel's) is never taken as stale: the second tunnel is refused, the first keeps working", async () => {
    const remote = join(dir, 'shared-r.sock');
    const target = await startApp('0', 'first tunnel');
    const first = await up(
      { sshConfig: config, to: 'login', remote: [`${remote}:127.0.0.1:${target.port!}`] },
      { healthIntervalMs: 0 },
    );
    try {
      await expect(
        up(
          { sshConfig: config, to: 'login', remote: [`${remote}:127.0.0.1:${target.port!}`] },
          { healthIntervalMs: 0 },
        ),
      ).rejects.toMatchObject({
        code: 'SOCKET_IN_USE',
        message: expect.stringContaining(`${remote} on login is in use by a live listener`),
      });
      expect((await httpGet({ socketPath: remote })).body).toBe('first tunnel');
      expect(first.state).toBe('up');
    } finally {
      await first.down();
      await target.stop();
    }
  });

  it('foreground up exits 129 on SIGHUP and tears down', async () => {
    const { startCli } = await import('../support/cli.js');
    const local = join(dir, 'hup.sock');
    const { child, first } = await startCli(
      ['up', '-F', config, '--to', 'login', '-L', `${local}:${appSocket}`, '--json'],
      env(),
    );
    const pids = (JSON.parse(first) as { pids: number[] }).pids;
    child.kill('SIGHUP');
    expect((await child).exitCode).toBe(129);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(existsSync(local)).toBe(false);
  });
});
