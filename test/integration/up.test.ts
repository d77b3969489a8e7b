import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createUnixServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../src/supervise/up.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { runCli, startCli } from '../support/cli.js';
import { httpGet } from '../support/http.js';
import { freePort, isAlive, waitFor } from '../support/processes.js';

// Two real sshds on loopback, chained: hopA is the "login node", hopB the "compute node".
let hopA: TestSshd;
let hopB: TestSshd;
let config: string;
let dir: string;
let app: Awaited<ReturnType<typeof startApp>>;
let appSocket: string;

beforeAll(async () => {
  hopA = await startSshd({ alias: 'hopA' });
  hopB = await startSshd({ alias: 'hopB', clientKeyPath: hopA.clientKeyPath });
  dir = await mkdtemp(join(tmpdir(), 'tnl-it-'));
  config = await writeClientConfig(dir, [hopA, hopB]);
  appSocket = join(dir, 'app.sock');
  app = await startApp(appSocket, 'hello from the far side');
});

afterAll(async () => {
  await app?.stop();
  await hopB?.stop();
  await hopA?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('tunnel up (CLI) against a real sshd', () => {
  it('port -> socket through two hops: --json once ready, request answered, SIGTERM leaves nothing', async () => {
    const port = await freePort();
    const { child, first } = await startCli([
      'up',
      '-F',
      config,
      '--via',
      'hopA',
      '--to',
      'hopB',
      '-L',
      `${port}:${appSocket}`,
      '--json',
    ]);
    const json = JSON.parse(first) as {
      state: string;
      forwards: Array<{ direction: string; listen: string }>;
      commands: string[][];
      pids: number[];
    };
    expect(json.state).toBe('up');
    expect(json.forwards).toEqual([
      { direction: 'L', listen: `127.0.0.1:${port}`, target: `${appSocket} on hopB`, health: 'ok' },
    ]);
    expect(json.commands[0]).toContain('-J');
    expect(await httpGet({ port })).toEqual({ status: 200, body: 'hello from the far side' });
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(143);
    for (const pid of json.pids) expect(isAlive(pid)).toBe(false);
    await expect(httpGet({ port }, '/', 1000)).rejects.toThrow();
  });

  it('socket -> socket: the local socket is 0600 and removed on SIGINT', async () => {
    const local = join(dir, 'local.sock');
    const { child, first } = await startCli([
      'up',
      '-F',
      config,
      '--to',
      'hopA',
      '-L',
      `${local}:${appSocket}`,
      '--json',
    ]);
    expect((JSON.parse(first) as { state: string }).state).toBe('up');
    expect((await httpGet({ socketPath: local })).body).toBe('hello from the far side');
    const { statSync } = await import('node:fs');
    expect(statSync(local).mode & 0o777).toBe(0o600);
    child.kill('SIGINT');
    expect((await child).exitCode).toBe(130);
    expect(existsSync(local)).toBe(false);
  });

  it('-R 0: reports the port OpenSSH allocated, and it reaches the local server', async () => {
    const local = await startApp('0', 'manager here');
    try {
      const { child, first } = await startCli([
        'up',
        '-F',
        config,
        '--to',
        'hopA',
        '-R',
        `0:127.0.0.1:${local.port!}`,
        '--json',
      ]);
      const forward = (JSON.parse(first) as { forwards: unknown[] }).forwards[0] as {
        allocatedPort: number;
        listen: string;
      };
      expect(forward.allocatedPort).toBeGreaterThan(1024);
      expect(forward.listen).toBe(`localhost:${forward.allocatedPort} on hopA`);
      expect((await httpGet({ port: forward.allocatedPort })).body).toBe('manager here');
      child.kill('SIGTERM');
      await child;
    } finally {
      await local.stop();
    }
  });

  it('-R to a socket: the remote socket is removed on teardown (the server never unlinks it)', async () => {
    const remote = join(dir, 'remote.sock');
    const local = await startApp('0', 'reverse');
    try {
      const { child, first } = await startCli([
        'up',
        '-F',
        config,
        '--via',
        'hopA',
        '--to',
        'hopB',
        '-R',
        `${remote}:127.0.0.1:${local.port!}`,
        '--json',
      ]);
      expect((JSON.parse(first) as { state: string }).state).toBe('up');
      expect((await httpGet({ socketPath: remote })).body).toBe('reverse');
      child.kill('SIGTERM');
      await child;
      expect(existsSync(remote)).toBe(false);
    } finally {
      await local.stop();
    }
  });

  it('--dry-run prints a command that, pasted into a shell, builds the same working tunnel', async () => {
    const port = await freePort();
    const dry = await runCli([
      'up',
      '-F',
      config,
      '--via',
      'hopA',
      '--to',
      'hopB',
      '-L',
      `${port}:${appSocket}`,
      '--dry-run',
    ]);
    expect(dry.exitCode).toBe(0);
    const line = dry.stdout.split('\n').find((l) => l.startsWith('ssh '))!;
    const shell = execa('bash', ['-c', `exec ${line}`], { reject: false, stdin: 'ignore' });
    try {
      await waitFor(
        async () => (await httpGet({ port }, '/', 500).catch(() => undefined))?.status === 200,
        10_000,
        'pasted tunnel',
      );
      expect((await httpGet({ port })).body).toBe('hello from the far side');
    } finally {
      shell.kill('SIGTERM');
      await shell;
    }
  });
});

describe('bad input and failures: one line, non-zero, nothing left behind', () => {
  it.each([
    [['up', '--to', 'hopA', '-L', '99999:localhost:1'], 2, /port 99999 is out of range/],
    [['up', '--to', '-oProxyCommand=touch /tmp/x', '-L', '1:h:2'], 2, /may not start with '-'/],
    [['up', '--to', 'hopA'], 2, /no forwards/],
    [['up', '--bogus'], 2, /unknown option/],
  ])('%j exits %i', async (args, code, message) => {
    const result = await runCli(args);
    expect(result.exitCode).toBe(code);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('a taken local port: exit 4 with OpenSSH reason, no ssh left', async () => {
    const blocker = createUnixServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runCli(['up', '-F', config, '--to', 'hopA', '-L', `${port}:${appSocket}`]);
      expect(result.exitCode).toBe(4);
      expect(result.stderr).toMatch(/Address already in use/);
    } finally {
      blocker.close();
    }
  });

  it('a refused key: exit 3, AUTH_FAILED naming the hop', async () => {
    const badConfig = join(dir, 'bad_config');
    const { execa: run } = await import('execa');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'stranger')]);
    const text = (await import('node:fs'))
      .readFileSync(config, 'utf8')
      .replaceAll(hopA.clientKeyPath, join(dir, 'stranger'));
    await writeFile(badConfig, text);
    const result = await runCli(['up', '-F', badConfig, '--to', 'hopA', '-L', `${await freePort()}:${appSocket}`]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('an unknown host key is never accepted: exit 3', async () => {
    const noKeys = join(dir, 'nokeys_config');
    const text = (await import('node:fs'))
      .readFileSync(config, 'utf8')
      .replace(/UserKnownHostsFile .*/g, `UserKnownHostsFile ${join(dir, 'empty_known_hosts')}`);
    await writeFile(join(dir, 'empty_known_hosts'), '');
    await writeFile(noKeys, text);
    const result = await runCli(['up', '-F', noKeys, '--to', 'hopA', '-L', `${await freePort()}:${appSocket}`]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/host key/i);
  });

  it('a stale local socket is replaced; a live one is refused and left alone', async () => {
    const stale = join(dir, 'stale.sock');
    const server = createUnixServer().listen(stale);
    await new Promise((r) => server.once('listening', r));
    const refused = await runCli(['up', '-F', config, '--to', 'hopA', '-L', `${stale}:${appSocket}`]);
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toMatch(/in use by a live process/);
    await new Promise((r) => server.close(r));
    // A process killed with SIGKILL leaves its socket file behind, like a crashed app.
    const crashed = execa(
      'node',
      ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`],
      { reject: false },
    );
    await new Promise((r) => crashed.stdout.once('data', r));
    crashed.kill('SIGKILL');
    await crashed;
    expect(existsSync(stale)).toBe(true);
    const { child, first } = await startCli([
      'up',
      '-F',
      config,
      '--to',
      'hopA',
      '-L',
      `${stale}:${appSocket}`,
      '--json',
    ]);
    expect((JSON.parse(first) as { state: string }).state).toBe('up');
    expect((await httpGet({ socketPath: stale })).body).toBe('hello from the far side');
    child.kill('SIGTERM');
    await child;
  });
});

describe('library API', () => {
  it('up() resolves once ready, exposes forwards, and await using takes it down', async () => {
    const port = await freePort();
    let pids: number[] = [];
    {
      await using tunnel = await up({ sshConfig: config, via: ['hopA'], to: 'hopB', local: [`${port}:${appSocket}`] });
      expect(tunnel.state).toBe('up');
      expect(tunnel.forwards()[0]).toMatchObject({ direction: 'L', listen: `127.0.0.1:${port}` });
      pids = tunnel.pids();
      expect((await httpGet({ port })).body).toBe('hello from the far side');
    }
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('reconnects after the sshd connection process is killed', async () => {
    const port = await freePort();
    const tunnel = await up({
      sshConfig: config,
      to: 'hopA',
      local: [`${port}:${appSocket}`],
      keepalive: 1,
      keepaliveCount: 2,
    });
    try {
      const back = new Promise((resolve) => tunnel.once('up', resolve));
      await hopA.killConnections();
      await back;
      expect(tunnel.restarts).toBe(1);
      expect((await httpGet({ port })).body).toBe('hello from the far side');
    } finally {
      await tunnel.down();
    }
  });

  it('reconnects after sshd is restarted', async () => {
    const port = await freePort();
    const tunnel = await up({
      sshConfig: config,
      to: 'hopA',
      local: [`${port}:${appSocket}`],
      keepalive: 1,
      keepaliveCount: 2,
    });
    try {
      const back = new Promise((resolve) => tunnel.once('up', resolve));
      await hopA.restart();
      await back;
      await waitFor(
        async () => (await httpGet({ port }, '/', 1000).catch(() => undefined))?.status === 200,
        10_000,
        'request after restart',
      );
    } finally {
      await tunnel.down();
    }
  });
});
