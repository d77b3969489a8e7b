import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { httpGet } from '../support/http.js';
import { isAlive, waitFor } from '../support/processes.js';

interface Listed {
  name: string;
  state: string;
  restarts: number;
  sshPids: number[];
  upSince: string;
  forwards: Array<{ listen: string; allocatedPort?: number }>;
}

let login: TestSshd;
let dir: string;
let config: string;
let home: string;
let app: Awaited<ReturnType<typeof startApp>>;
const env = () => ({ TUNNEL_HOME: home });
const listed = async (name: string) =>
  (JSON.parse((await runCli(['ls', '--json'], env())).stdout) as Listed[]).find((t) => t.name === name)!;

beforeAll(async () => {
  login = await startSshd({ alias: 'login' });
  dir = await mkdtemp(join(tmpdir(), 'tnl-rec-'));
  home = join(dir, 'state');
  config = await writeClientConfig(dir, [login]);
  app = await startApp('0', 'manager answers');
});

afterAll(async () => {
  await runCli(['down', '--all'], env());
  await app?.stop();
  await login?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Drops the target's sessions and waits until the record shows the reconnect. */
async function dropAndWaitForReconnect(sshd: TestSshd, name: string, restarts: number): Promise<Listed> {
  await sshd.killConnections();
  await waitFor(
    async () => {
      const now = await listed(name);
      return now.restarts >= restarts && now.state === 'up';
    },
    30_000,
    `${name} to reconnect`,
  );
  return listed(name);
}

describe('the record follows every reconnect', () => {
  it('-R 0 (jump): new ssh pids, the same allocated port, a new upSince; the port still reaches the laptop app', async () => {
    const started = await runCli(
      [
        'up',
        '-F',
        config,
        '--to',
        'login',
        '-R',
        `0:127.0.0.1:${app.port!}`,
        '--keepalive',
        '1',
        '-d',
        '--name',
        'rport',
      ],
      env(),
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const before = await listed('rport');
    const port = before.forwards[0]!.allocatedPort!;
    expect(port).toBeGreaterThan(0);
    expect(before.sshPids).toHaveLength(1);
    const after = await dropAndWaitForReconnect(login, 'rport', 1);
    expect(after.sshPids).toHaveLength(1);
    expect(after.sshPids[0]).not.toBe(before.sshPids[0]);
    expect(isAlive(after.sshPids[0]!)).toBe(true);
    expect(after.forwards[0]!.allocatedPort).toBe(port);
    expect(after.forwards[0]!.listen).toBe(`localhost:${port} on login`);
    expect(Date.parse(after.upSince)).toBeGreaterThan(Date.parse(before.upSince));
    expect((await httpGet({ port })).body).toBe('manager answers');
    await runCli(['down', 'rport'], env());
  });
});

describe('a -R 0 port someone else took during the outage', () => {
  it('is asked for again for a bounded time, then moves loudly: ls and logs show the new port, and it works', async () => {
    const started = await runCli(
      [
        'up',
        '-F',
        config,
        '--to',
        'login',
        '-R',
        `0:127.0.0.1:${app.port!}`,
        '--keepalive',
        '1',
        '-d',
        '--name',
        'moved',
      ],
      env(),
      60_000,
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const port = (await listed('moved')).forwards[0]!.allocatedPort!;
    // Freeze the sshd so the reconnect cannot rebind before our squatter does (the "server" is this host).
    await login.killConnections();
    process.kill(login.pid, 'SIGSTOP');
    let squatter: Server | undefined;
    try {
      await waitFor(
        async () => {
          try {
            squatter = await listen(port);
            return true;
          } catch {
            return false;
          }
        },
        10_000,
        'the old session to release the port',
      );
    } finally {
      process.kill(login.pid, 'SIGCONT');
    }
    try {
      await waitFor(
        async () => {
          const now = await listed('moved');
          return now.state === 'up' && now.forwards[0]!.allocatedPort !== port;
        },
        90_000,
        'the forward to move to a new port',
      );
      const moved = (await listed('moved')).forwards[0]!;
      expect(moved.listen).toBe(`localhost:${moved.allocatedPort!} on login`);
      expect((await httpGet({ port: moved.allocatedPort! })).body).toBe('manager answers');
      const logs = (await runCli(['logs', 'moved'], env())).stdout;
      expect(logs).toMatch(new RegExp(`remote port ${port} on login is still held`));
      expect(logs).toMatch(
        new RegExp(
          `remote port ${port} on login could not be had back; the forward now listens on port ${moved.allocatedPort!}`,
        ),
      );
    } finally {
      squatter?.close();
      await runCli(['down', 'moved'], env());
    }
  }, 150_000);
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    // sshd binds "localhost" on both 127.0.0.1 and ::1 and succeeds if either binds: take both (:: is dual-stack).
    server.listen({ port, host: '::', ipv6Only: false }, () => resolve(server));
  });
}
