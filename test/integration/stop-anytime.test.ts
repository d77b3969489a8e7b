import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../src/supervise/up.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { httpGet } from '../support/http.js';
import { freePort, pidsMatching, waitFor } from '../support/processes.js';

// Regression for "stopping during a reconnect leaks a working, untracked ssh": the target's
// sshd sessions are killed and its listener is frozen (SIGSTOP: TCP still connects, no banner
// comes), so the reconnect attempt is in flight when down() arrives; then the sshd is thawed,
// which is when a leaked attempt would have finished and started forwarding.
let login: TestSshd;
let node: TestSshd;
let dir: string;
let config: string;
let home: string;
let app: Awaited<ReturnType<typeof startApp>>;
let appPort: number;
const env = () => ({ TUNNEL_HOME: home });

beforeAll(async () => {
  login = await startSshd({ alias: 'login' });
  node = await startSshd({ alias: 'node', clientKeyPath: login.clientKeyPath });
  dir = await mkdtemp(join(tmpdir(), 'tnl-stop-'));
  home = join(dir, 'state');
  config = await writeClientConfig(dir, [login, node]);
  app = await startApp('0', 'app answers');
  appPort = app.port!;
});

afterEach(() => {
  process.kill(node.pid, 'SIGCONT');
});

afterAll(async () => {
  await runCli(['down', '--all'], env());
  await app?.stop();
  await node?.stop();
  await login?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Kills the node's sessions, freezes its listener, and waits until a new ssh is connecting. */
async function freezeDuringReconnect(needle: string, before: number[]): Promise<void> {
  await node.killConnections();
  process.kill(node.pid, 'SIGSTOP');
  await waitFor(
    async () => (await pidsMatching(needle)).some((pid) => !before.includes(pid)),
    10_000,
    'a reconnect attempt',
  );
}

async function expectNothingForwards(port: number, needle: string): Promise<void> {
  process.kill(node.pid, 'SIGCONT');
  await new Promise((r) => setTimeout(r, 1500)); // a leaked attempt would finish its handshake now
  expect(await pidsMatching(needle)).toEqual([]);
  await expect(httpGet({ port }, '/', 1000)).rejects.toThrow();
}

describe('down during a reconnect attempt in flight', () => {
  it('library: down() aborts the attempt, and no ssh forwards afterwards', async () => {
    const port = await freePort();
    const needle = `127.0.0.1:${port}:127.0.0.1:${appPort}`;
    const tunnel = await up(
      { sshConfig: config, via: ['login'], to: 'node', local: [`${port}:127.0.0.1:${appPort}`], keepalive: 1 },
      { healthIntervalMs: 0 },
    );
    expect((await httpGet({ port })).body).toBe('app answers');
    await freezeDuringReconnect(needle, tunnel.pids());
    const started = Date.now();
    await tunnel.down();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(tunnel.state).toBe('down');
    await expectNothingForwards(port, needle);
  });

  it('background: down returns through the supervisor and leaves no ssh', async () => {
    const port = await freePort();
    const needle = `127.0.0.1:${port}:127.0.0.1:${appPort}`;
    const started = await runCli(
      [
        'up',
        '-F',
        config,
        '--via',
        'login',
        '--to',
        'node',
        '-L',
        `${port}:127.0.0.1:${appPort}`,
        '--keepalive',
        '1',
        '-d',
        '--name',
        'midway',
        '--json',
      ],
      env(),
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const { pids } = JSON.parse(started.stdout) as { pids: number[] };
    await freezeDuringReconnect(needle, pids);
    const down = await runCli(['down', 'midway', '--json'], env(), 20_000);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.stdout).not.toContain('cleaned-after-dead-supervisor');
    await expectNothingForwards(port, needle);
  });

  it('foreground: one Ctrl-C during the reconnect ends the process and its ssh', async () => {
    const port = await freePort();
    const needle = `127.0.0.1:${port}:127.0.0.1:${appPort}`;
    const child = execa(
      'node',
      [
        join(import.meta.dirname, '../../dist/cli/main.js'),
        'up',
        '-F',
        config,
        '--via',
        'login',
        '--to',
        'node',
        '-L',
        `${port}:127.0.0.1:${appPort}`,
        '--keepalive',
        '1',
        '--json',
      ],
      { reject: false, env: { ...env(), NO_COLOR: '1' }, stdin: 'ignore', timeout: 30_000 },
    );
    await waitFor(
      async () => (await httpGet({ port }, '/', 500).catch(() => undefined))?.body === 'app answers',
      15_000,
      'the tunnel',
    );
    await freezeDuringReconnect(needle, await pidsMatching(needle));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, `${result.stderr}\n(timed out: ${String(result.timedOut)})`).toBe(130);
    await expectNothingForwards(port, needle);
  });
});
