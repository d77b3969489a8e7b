import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/sandbox/keys.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import {
  freePort,
  httpGet,
  portAccepts,
  sleep,
  ssh,
  sshOnce,
  startTunnel,
  stopSsh,
  waitForExit,
  waitForTunnel,
  waitUntil,
  type SshProc,
} from '../fixtures/sandbox-helpers.js';

let sb: Sandbox;
let procs: SshProc[] = [];
const track = (p: SshProc): SshProc => (procs.push(p), p);

beforeEach(async () => {
  sb = await startSandbox();
});

afterEach(async () => {
  await Promise.all(procs.map((p) => stopSsh(p)));
  procs = [];
  await sb.close();
});

async function tunnelUp(): Promise<{ proc: SshProc; port: number }> {
  const port = await freePort();
  const proc = track(startTunnel(sb, port));
  await waitForTunnel(proc, port);
  return { proc, port };
}

function readAll(to: { host: string; port: number } | { path: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    let d = '';
    const c = createConnection(to as never).setTimeout(5000, () => c.destroy(new Error('read timed out')));
    c.on('data', (chunk) => (d += chunk.toString()))
      .on('end', () => resolve(d))
      .on('error', reject);
  });
}

/** A copy of the sandbox ssh_config with one line swapped, to vary a single thing. */
function variantConfig(name: string, from: RegExp, to: string): string {
  const path = join(sb.dir, name);
  writeFileSync(path, readFileSync(sb.sshConfigPath, 'utf8').replace(from, to), { mode: 0o600 });
  return path;
}

describe('sandbox with the real OpenSSH client', () => {
  it('tunnels -J login -L port:appSocket to the app on the isolated node', async () => {
    const { port } = await tunnelUp();
    const res = await httpGet(port);
    expect(res).toEqual({ status: 200, body: sb.appBody });
    expect(res.body).toContain('hello from isolated-node');
    expect(sb.connections()).toBe(2);
  }, 20_000);

  it('reaches the isolated node only through login, and login is no open proxy', async () => {
    const direct = await sshOnce(['-F', sb.sshConfigPath, 'isolated-node', 'true']);
    expect(direct.exitCode).not.toBe(0);
    expect(direct.stderr).toMatch(/Could not resolve hostname isolated-node/);

    const elsewhere = await sshOnce(['-F', sb.sshConfigPath, '-W', `127.0.0.1:${sb.loginPort}`, 'login']);
    expect(elsewhere.exitCode).not.toBe(0);
    expect(elsewhere.stderr).toMatch(/open failed/);
    expect(elsewhere.stderr).toMatch(/stdio forwarding failed/);

    const shell = await sshOnce(['-F', sb.sshConfigPath, 'login', 'true']);
    expect(shell.exitCode).not.toBe(0);
    expect(shell.stderr).toMatch(/administratively prohibited/);
  }, 20_000);

  it('forwards to a loopback TCP port on the node and refuses sockets it does not own', async () => {
    const target = await new Promise<Server>((resolve) => {
      const s = createServer((c) => c.end('tcp-ok')).listen({ host: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    try {
      const targetPort = (target.address() as { port: number }).port;
      const port = await freePort();
      const denied = await freePort();
      const proc = track(
        ssh([
          '-F',
          sb.sshConfigPath,
          '-N',
          '-T',
          '-J',
          'login',
          '-L',
          `127.0.0.1:${port}:127.0.0.1:${targetPort}`,
          '-L',
          `127.0.0.1:${denied}:/etc/passwd`,
          'isolated-node',
        ]),
      );
      await waitForTunnel(proc, port);
      expect(await readAll({ host: '127.0.0.1', port })).toBe('tcp-ok');
      await expect(httpGet(denied)).rejects.toThrow();
    } finally {
      target.close();
    }
  }, 20_000);

  it('refuses a client key it does not know', async () => {
    const wrong = generateKeyPair('intruder');
    const wrongPath = join(sb.dir, 'wrong_key');
    writeFileSync(wrongPath, wrong.privateKey, { mode: 0o600 });
    const cfg = variantConfig('ssh_config.wrongkey', /IdentityFile .*/g, `IdentityFile "${wrongPath}"`);
    const res = await sshOnce(['-F', cfg, 'login', 'true']);
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toMatch(/Permission denied \(publickey\)/);
  }, 20_000);

  it('checks host keys for real, for login and for the node behind it', async () => {
    const other = generateKeyPair('impostor').publicKey.split(' ').slice(0, 2).join(' ');
    const lines = readFileSync(sb.knownHostsPath, 'utf8').trim().split('\n');
    const [loginLine, nodeLine] = lines as [string, string];

    const badLogin = join(sb.dir, 'known_hosts.badlogin');
    writeFileSync(badLogin, `[127.0.0.1]:${sb.loginPort} ${other}\n${nodeLine}\n`);
    const r1 = await sshOnce(['-F', sb.sshConfigPath, '-o', `UserKnownHostsFile=${badLogin}`, 'login', 'true']);
    expect(r1.exitCode).not.toBe(0);
    expect(r1.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(r1.stderr).toMatch(/Host key verification failed/);

    // Command-line -o does not reach the jump ssh, so break the node's key in a config the outer ssh uses.
    const badNode = join(sb.dir, 'known_hosts.badnode');
    writeFileSync(badNode, `${loginLine}\nisolated-node ${other}\n`);
    const port = await freePort();
    const r2 = await waitForExit(track(startTunnel(sb, port, ['-o', `UserKnownHostsFile=${badNode}`])), 15_000);
    expect(r2.exitCode).not.toBe(0);
    expect(r2.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(r2.stderr).toMatch(/Host key verification failed/);
  }, 20_000);
});

describe('sandbox faults', () => {
  it.each(['login', 'isolated-node'] as const)(
    'dropConnections(%s) makes a running ssh -N exit',
    async (node) => {
      const { proc } = await tunnelUp();
      sb.dropConnections(node);
      const res = await waitForExit(proc, 5000);
      expect(res.exitCode).not.toBe(0);
      await waitUntil('connections to drain', 5000, () => sb.connections() === 0);
    },
    20_000,
  );

  it('pause(login) is noticed by ServerAlive keepalives; resume lets new tunnels in', async () => {
    const { proc, port } = await tunnelUp();
    // -o options do not reach the -J child, so login's own keepalive replies need a direct session.
    const direct = track(
      ssh(['-F', sb.sshConfigPath, '-N', '-T', '-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2', 'login']),
    );
    // Unanswered keepalives would end both within ~3 s; outliving that proves both servers reply.
    await sleep(4000);
    expect(proc.exitCode).toBeNull();
    expect(direct.exitCode).toBeNull();
    expect((await httpGet(port)).body).toBe(sb.appBody);

    sb.pause('login');
    const t0 = Date.now();
    const [res, dres] = await Promise.all([waitForExit(proc, 8000), waitForExit(direct, 8000)]);
    const elapsed = Date.now() - t0;
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toMatch(/Timeout, server isolated-node not responding/);
    expect(dres.stderr).toMatch(/Timeout, server 127\.0\.0\.1 not responding/);
    expect(elapsed).toBeLessThan(5000);

    // New connections are accepted by the kernel but never hear a banner: a hang, not a refusal.
    const late = await sshOnce(['-F', sb.sshConfigPath, '-o', 'ConnectTimeout=1', 'login', 'true']);
    expect(late.exitCode).not.toBe(0);
    expect(late.stderr).toMatch(/Connection timed out during banner exchange/);

    sb.resume('login');
    const again = await tunnelUp();
    expect((await httpGet(again.port)).body).toBe(sb.appBody);
  }, 30_000);

  it('supports -R on the node: tcpip-forward with port 0 and streamlocal-forward', async () => {
    const target = await new Promise<Server>((resolve) => {
      const s = createServer((c) => c.end('back-home')).listen({ host: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    try {
      const tp = (target.address() as { port: number }).port;
      const sock = join(sb.dir, 'r.sock');
      const proc = track(
        ssh([
          '-F',
          sb.sshConfigPath,
          '-N',
          '-T',
          '-o',
          'ExitOnForwardFailure=yes',
          '-J',
          'login',
          '-R',
          `0:127.0.0.1:${tp}`,
          '-R',
          `${sock}:127.0.0.1:${tp}`,
          'isolated-node',
        ]),
      );
      let stderr = '';
      proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      await waitUntil('allocated port message', 10_000, () => /Allocated port \d+/.test(stderr) && existsSync(sock));
      const allocated = Number(/Allocated port (\d+) for remote forward to 127\.0\.0\.1:/.exec(stderr)?.[1]);
      expect(await readAll({ host: '127.0.0.1', port: allocated })).toBe('back-home');
      expect(await readAll({ path: sock })).toBe('back-home');
      await stopSsh(proc);
      await waitUntil('remote socket removed', 5000, () => !existsSync(sock));
    } finally {
      target.close();
    }
  }, 20_000);

  it('stopApp/startApp: requests fail while the app is gone and work once it is back', async () => {
    const { proc, port } = await tunnelUp();
    expect((await httpGet(port)).body).toBe(sb.appBody);

    await sb.stopApp();
    expect(existsSync(sb.appSocketPath)).toBe(false);
    await expect(httpGet(port)).rejects.toThrow();
    expect(proc.exitCode).toBeNull();

    await sb.startApp();
    expect(existsSync(sb.appSocketPath)).toBe(true);
    expect((await httpGet(port)).body).toBe(sb.appBody);
  }, 20_000);

  it('close() removes every file and stops listening; a second close() is a no-op', async () => {
    const { proc } = await tunnelUp();
    const { dir, loginPort } = sb;
    expect(readdirSync(dir).sort()).toEqual(['app.sock', 'id_ed25519', 'known_hosts', 'ssh_config']);
    await sb.close();
    expect(existsSync(dir)).toBe(false);
    expect(await portAccepts(loginPort)).toBe(false);
    expect(sb.connections()).toBe(0);
    expect((await waitForExit(proc, 5000)).exitCode).not.toBe(0);
    await sb.close();
  }, 20_000);
});
