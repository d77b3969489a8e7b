import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../src/supervise/up.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { runCli, startCli } from '../support/cli.js';
import { freePort } from '../support/processes.js';

let sshd: TestSshd;
let dir: string;
let config: string;
let home: string;
let app: Awaited<ReturnType<typeof startApp>>;
const env = () => ({ TUNNEL_HOME: home });

beforeAll(async () => {
  sshd = await startSshd({ alias: 'login' });
  dir = await mkdtemp(join(tmpdir(), 'tnl-health-'));
  home = join(dir, 'state');
  config = await writeClientConfig(dir, [sshd]);
  app = await startApp(join(dir, 'app.sock'), 'app answers');
});

afterAll(async () => {
  await runCli(['down', '--all'], env());
  await app?.stop();
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a forward to nothing is never reported up', () => {
  it('foreground: a socket that does not exist on the target is degraded from the first line, with the reason', async () => {
    const missing = join(dir, 'nonexistent.sock');
    const { child, first, stderr } = await startCli(
      ['up', '-F', config, '--to', 'login', '-L', `${await freePort()}:${missing}`, '--json'],
      env(),
    );
    try {
      expect(JSON.parse(first)).toMatchObject({ state: 'degraded' });
      for (let i = 0; i < 40 && !stderr().includes('degraded:'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stderr()).toContain(`degraded: nothing listens on ${missing} on login`);
    } finally {
      child.kill('SIGINT');
      await child;
    }
  });

  it('background: up -d to a closed port is degraded at once (status fails, ls names the reason)', async () => {
    const result = await runCli(
      ['up', '-F', config, '--to', 'login', '-L', `${await freePort()}:127.0.0.1:1`, '-d', '--name', 'closed'],
      env(),
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('degraded: nothing listens on 127.0.0.1:1 on login');
    expect((await runCli(['status', 'closed'], env())).exitCode).not.toBe(0);
    const [listed] = JSON.parse((await runCli(['ls', '--json'], env())).stdout) as Array<{
      state: string;
      lastError?: { code: string; message: string };
    }>;
    expect(listed).toMatchObject({ state: 'degraded', lastError: { code: 'TARGET_UNREACHABLE' } });
    await runCli(['down', 'closed'], env());
  });

  it('a target that answers is up, confirmed by a round trip the tunnel ssh reports', async () => {
    const tunnel = await up(
      { sshConfig: config, to: 'login', local: [`${await freePort()}:${join(dir, 'app.sock')}`] },
      { healthIntervalMs: 60_000 },
    );
    try {
      expect(tunnel.state).toBe('up');
      expect(tunnel.forwards()[0]?.health).toBe('ok');
    } finally {
      await tunnel.down();
    }
  });

  it("a tunnel that says probe: false (ParaView's reverse-connection listener) is never probed", async () => {
    const listener = await startApp('0', 'not for probes');
    const tunnel = await up(
      { sshConfig: config, to: 'login', remote: [`0:127.0.0.1:${listener.port!}`], probe: false },
      { healthIntervalMs: 200 },
    );
    try {
      await new Promise((r) => setTimeout(r, 800));
      expect(tunnel.state).toBe('up');
      expect(tunnel.forwards()[0]?.health).toBeUndefined();
    } finally {
      await tunnel.down();
      await listener.stop();
    }
  });
});
