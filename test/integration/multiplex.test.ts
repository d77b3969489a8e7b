import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { httpGet } from '../support/http.js';
import { freePort, isAlive, waitFor } from '../support/processes.js';

let sshd: TestSshd;
let dir: string;
let config: string;
let appSocket: string;
let app: Awaited<ReturnType<typeof startApp>>;
let env: Record<string, string>;

beforeAll(async () => {
  sshd = await startSshd({ alias: 'login' });
  dir = await mkdtemp(join(tmpdir(), 'tnl-mux-'));
  env = { TUNNEL_HOME: join(dir, 's') };
  config = await writeClientConfig(dir, [sshd]);
  appSocket = join(dir, 'app.sock');
  app = await startApp(appSocket, 'shared');
});

afterAll(async () => {
  await runCli(['down', '--all'], env);
  await app?.stop();
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Established TCP connections from clients to the test sshd. */
async function connectionsToSshd(): Promise<number> {
  const { stdout } = await execa('ss', ['-Htn', 'state', 'established', `( dport = :${sshd.port} )`]);
  return stdout.split('\n').filter(Boolean).length;
}

async function masterPid(home = env.TUNNEL_HOME!): Promise<number> {
  const { stdout } = await execa('pgrep', ['-f', `^ssh -M .*-S ${home}/cm/`]);
  return Number(stdout.trim().split('\n')[0]);
}

describe('multiplexing through one ControlMaster', () => {
  it('two tunnels share one authenticated connection; one going down leaves the other working; the last closes the master', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const start = (name: string, port: number) =>
      runCli(
        ['up', '-F', config, '--to', 'login', '-L', `${port}:${appSocket}`, '-d', '--name', name, '--multiplex'],
        env,
      );
    expect((await start('one', p1)).exitCode).toBe(0);
    expect((await start('two', p2)).exitCode).toBe(0);
    expect(await connectionsToSshd()).toBe(1);
    expect((await httpGet({ port: p1 })).body).toBe('shared');
    expect((await httpGet({ port: p2 })).body).toBe('shared');
    const master = await masterPid();
    expect((await runCli(['down', 'one'], env)).stdout).toBe('down one');
    await expect(httpGet({ port: p1 }, '/', 1000)).rejects.toThrow();
    expect((await httpGet({ port: p2 })).body).toBe('shared');
    expect(isAlive(master)).toBe(true);
    await runCli(['down', 'two'], env);
    await waitFor(() => !isAlive(master), 5000, 'master to close after the last tunnel');
    expect(await connectionsToSshd()).toBe(0);
  });

  it('when the master dies, every tunnel on it recovers', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    for (const [name, port] of [
      ['a', p1],
      ['b', p2],
    ] as const) {
      await runCli(
        [
          'up',
          '-F',
          config,
          '--to',
          'login',
          '-L',
          `${port}:${appSocket}`,
          '-d',
          '--name',
          name,
          '--multiplex',
          '--keepalive',
          '1',
        ],
        env,
      );
    }
    process.kill(await masterPid(), 'SIGKILL');
    for (const port of [p1, p2]) {
      await waitFor(
        async () => (await httpGet({ port }, '/', 500).catch(() => undefined))?.status === 200,
        15_000,
        `tunnel on ${port} to recover`,
      );
    }
    // A forward answers a moment before its probe confirms it and the record says up again.
    const listing = async () =>
      JSON.parse((await runCli(['ls', '--json'], env)).stdout) as Array<{ restarts: number; state: string }>;
    await waitFor(async () => (await listing()).every((t) => t.state === 'up'), 10_000, 'both records to say up');
    expect((await listing()).map((t) => t.restarts)).toEqual([1, 1]);
    expect(await connectionsToSshd()).toBe(1);
    await runCli(['down', '--all'], env);
  });

  it('a -R 0 port on a shared master stays the same after the master dies (asked for again by number)', async () => {
    const app = await startApp('0', 'pinned');
    try {
      await runCli(
        [
          'up',
          '-F',
          config,
          '--to',
          'login',
          '-R',
          `0:127.0.0.1:${app.port}`,
          '-d',
          '--name',
          'pin',
          '--multiplex',
          '--keepalive',
          '1',
        ],
        env,
      );
      const listing = async () =>
        (
          JSON.parse((await runCli(['ls', '--json'], env)).stdout) as Array<{
            name: string;
            state: string;
            restarts: number;
            forwards: Array<{ allocatedPort?: number }>;
          }>
        ).find((t) => t.name === 'pin')!;
      const port = (await listing()).forwards[0]!.allocatedPort!;
      expect(port).toBeGreaterThan(0);
      expect((await httpGet({ port })).body).toBe('pinned');
      process.kill(await masterPid(), 'SIGKILL');
      await waitFor(
        async () => (await listing()).restarts === 1 && (await listing()).state === 'up',
        20_000,
        'the tunnel to come back on a new master',
      );
      expect((await listing()).forwards[0]!.allocatedPort).toBe(port);
      expect((await httpGet({ port })).body).toBe('pinned');
      const logs = await runCli(['logs', 'pin'], env);
      expect(logs.stdout).not.toMatch(/could not be had back/);
    } finally {
      await runCli(['down', '--all'], env);
      await app.stop();
    }
  });

  it('--dry-run shows the master and the -O forward that adds the tunnel', async () => {
    const result = await runCli(
      ['up', '-F', config, '--to', 'login', '-L', `1234:${appSocket}`, '--multiplex', '--dry-run'],
      env,
    );
    expect(result.stdout).toMatch(/^ssh -M -N -T -f /m);
    expect(result.stdout).toMatch(/-O forward -L 127\.0\.0\.1:1234:/);
  });
});

describe('multiplexing through the library', () => {
  it('up() with multiplex: true shares one connection, and down() returns and closes the master', async () => {
    const { up } = await import('../../src/supervise/up.js');
    const previous = process.env.TUNNEL_HOME;
    process.env.TUNNEL_HOME = env.TUNNEL_HOME;
    try {
      const [p1, p2] = [await freePort(), await freePort()];
      const tunnels = await Promise.all(
        [p1, p2].map((port) =>
          up(
            { sshConfig: config, to: 'login', local: [`${port}:${appSocket}`], multiplex: true },
            { healthIntervalMs: 0 },
          ),
        ),
      );
      expect(await connectionsToSshd()).toBe(1);
      expect((await httpGet({ port: p2 })).body).toBe('shared');
      const master = await masterPid();
      await tunnels[0]!.down();
      expect((await httpGet({ port: p2 })).body).toBe('shared');
      await tunnels[1]!.down();
      await waitFor(() => !isAlive(master), 5000, 'master to close');
    } finally {
      process.env.TUNNEL_HOME = previous;
    }
  });

  it('a pinned -R port taken by someone else while the master was down: a new port after the pin wait, said loudly', async () => {
    const { up } = await import('../../src/supervise/up.js');
    const previous = process.env.TUNNEL_HOME;
    process.env.TUNNEL_HOME = env.TUNNEL_HOME;
    const app = await startApp('0', 'moved');
    let squatters: Server[] = [];
    try {
      const tunnel = await up(
        { sshConfig: config, to: 'login', remote: [`0:127.0.0.1:${app.port}`], multiplex: true, keepalive: 1 },
        { healthIntervalMs: 0, pinWaitMs: 2000 },
      );
      const lines: string[] = [];
      const changes: unknown[] = [];
      tunnel.on('line', (l: string) => lines.push(l));
      tunnel.on('port-changed', (c: unknown) => changes.push(c));
      const port = tunnel.forwards()[0]!.allocatedPort!;
      process.kill(await masterPid(), 'SIGKILL');
      // The dead session's listener goes with its sshd process; take the port before the tunnel asks for it back.
      // sshd binds "localhost": both 127.0.0.1 and ::1, and one of them is enough for it.
      squatters = [await listenWhenFree(port, '127.0.0.1', 10_000), await listenWhenFree(port, '::1', 10_000)];
      await waitFor(
        () => tunnel.state === 'up' && tunnel.restarts === 1,
        30_000,
        'the tunnel to come back on another port',
      );
      const moved = tunnel.forwards()[0]!.allocatedPort!;
      expect(moved).not.toBe(port);
      expect(changes).toEqual([{ forward: 0, from: port, to: moved }]);
      expect(lines.join('\n')).toMatch(new RegExp(`remote port ${port} on login is still held`));
      expect(lines.join('\n')).toMatch(
        new RegExp(`remote port ${port} on login could not be had back; the forward now listens on port ${moved}`),
      );
      expect((await httpGet({ port: moved })).body).toBe('moved');
      await tunnel.down();
    } finally {
      for (const squatter of squatters) squatter.close();
      await app.stop();
      process.env.TUNNEL_HOME = previous;
    }
  });
});

/** Listens on host:port as soon as nobody else does (bounded). */
async function listenWhenFree(port: number, host: string, timeoutMs: number): Promise<Server> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const server = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, host, () => resolve(true));
    });
    if (ok) return server;
    if (Date.now() > deadline) throw new Error(`port ${port} was not freed within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('multiplexing through a --via hop', () => {
  let node: TestSshd;
  let hopConfig: string;
  let hopEnv: Record<string, string>;
  beforeAll(async () => {
    node = await startSshd({ alias: 'node', clientKeyPath: sshd.clientKeyPath });
    await mkdir(join(dir, 'hop'));
    hopConfig = await writeClientConfig(join(dir, 'hop'), [sshd, node]);
    // A space in TUNNEL_HOME once broke `-o ControlPath=...` (ssh split the value).
    hopEnv = { TUNNEL_HOME: join(dir, 'state with space') };
  });
  afterAll(async () => {
    await runCli(['down', '--all'], hopEnv);
    await node?.stop();
  });

  it('two tunnels via login share one connection from the laptop; one down leaves the other; the last removes the master', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const start = (name: string, port: number) =>
      runCli(
        [
          'up',
          '-F',
          hopConfig,
          '--via',
          'login',
          '--to',
          'node',
          '-L',
          `${port}:${appSocket}`,
          '-d',
          '--name',
          name,
          '--multiplex',
        ],
        hopEnv,
        40_000,
      );
    const one = await start('one', p1);
    expect(one.exitCode, one.stderr).toBe(0);
    expect((await start('two', p2)).exitCode).toBe(0);
    expect(await connectionsToSshd()).toBe(1);
    expect((await httpGet({ port: p1 })).body).toBe('shared');
    expect((await httpGet({ port: p2 })).body).toBe('shared');
    const master = await masterPid(hopEnv.TUNNEL_HOME);
    expect((await runCli(['down', 'one'], hopEnv)).exitCode).toBe(0);
    await expect(httpGet({ port: p1 }, '/', 1000)).rejects.toThrow();
    expect((await httpGet({ port: p2 })).body).toBe('shared');
    await runCli(['down', 'two'], hopEnv);
    await waitFor(() => !isAlive(master), 5000, 'master to close after the last tunnel');
    expect(await connectionsToSshd()).toBe(0);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(join(hopEnv.TUNNEL_HOME!, 'cm')).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('down after the supervisor was SIGKILLed gives the lease back and closes the master it was the last user of', async () => {
    const port = await freePort();
    const started = await runCli(
      [
        'up',
        '-F',
        hopConfig,
        '--via',
        'login',
        '--to',
        'node',
        '-L',
        `${port}:${appSocket}`,
        '-d',
        '--name',
        'orphan',
        '--multiplex',
        '--json',
      ],
      hopEnv,
      40_000,
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const master = await masterPid(hopEnv.TUNNEL_HOME);
    process.kill((JSON.parse(started.stdout) as { supervisorPid: number }).supervisorPid, 'SIGKILL');
    expect((await runCli(['down', 'orphan'], hopEnv)).exitCode).toBe(0);
    await waitFor(() => !isAlive(master), 5000, 'the orphaned master to close');
    await expect(httpGet({ port }, '/', 1000)).rejects.toThrow();
  });
});
