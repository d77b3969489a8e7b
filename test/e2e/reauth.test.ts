import { fileURLToPath } from 'node:url';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';
import type { Spawned } from '../harness/node-exec.js';
import { stageForCluster } from '../harness/stage.js';

const can = canBuildTopology();
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const HTTP_SOURCE = fileURLToPath(new URL('../fixtures/http-unix-server.mjs', import.meta.url));
const PASSWORD = 'second-factor-for-tests';

if (!can.ok) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e re-authentication tests: ${can.why}\n${'!'.repeat(72)}\n`);
  it.skip(`re-authentication e2e (skipped: ${can.why})`, () => undefined);
} else {
  describe('a background tunnel behind a login node that demands a second factor', { timeout: 150_000 }, () => {
    let t: Topology;
    let stateDir: string;
    let config: string;
    let askpass: string;
    let http = HTTP_SOURCE;
    const running: Spawned[] = [];
    /** Runs tunnel on the laptop; `person` gives it the askpass a person would answer. */
    const tunnel = (args: string[], person = false) =>
      t.exec('laptop', ['node', CLI, ...args], {
        env: {
          TUNNEL_HOME: stateDir,
          NO_COLOR: '1',
          ...(person ? { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force' } : {}),
        },
        timeoutMs: 60_000,
      });
    const listed = async () =>
      (JSON.parse((await tunnel(['ls', '--json'])).stdout) as Array<{ state: string; restarts: number }>)[0];
    /** Logins that got past the key and were asked for the password (sshd VERBOSE log). */
    const passwordRounds = async () =>
      ((await readFile(t.sshdLogPath.login, 'utf8')).match(/Partial publickey for /g) ?? []).length;

    beforeAll(async () => {
      t = await buildTopology({
        sshdExtra: { login: ['PasswordAuthentication yes', 'AuthenticationMethods publickey,password'] },
      });
      await execa('chpasswd', [], { input: `${t.user}:${PASSWORD}\n` });
      http = (await stageForCluster(t, HTTP_SOURCE)).path;
      stateDir = await mkdtemp(join(tmpdir(), 'tnl-e2e-2fa-'));
      askpass = join(stateDir, 'askpass');
      await writeFile(askpass, `#!/bin/sh\necho ${PASSWORD}\n`);
      await chmod(askpass, 0o700);
      // The harness config says BatchMode yes for every host; a person at a terminal has no such line.
      config = join(stateDir, 'ssh_config');
      await writeFile(config, (await readFile(t.sshConfigPath, 'utf8')).replace(/^\s*BatchMode yes\s*$/gm, ''));
      const app = await t.spawn('node', ['node', http, '8080', 'behind 2FA'], { asUser: true });
      await app.waitForOutput(/listening/, 10_000);
      running.push(app);
    }, 180_000);

    afterAll(async () => {
      await tunnel(['down', '--all']).catch(() => undefined);
      for (const child of running.reverse()) await child.kill('SIGKILL').catch(() => undefined);
      if (t !== undefined) await execa('usermod', ['-p', '*', t.user], { reject: false });
      if (http !== HTTP_SOURCE) await rm(http, { force: true });
      await t?.teardown();
      await rm(stateDir, { recursive: true, force: true });
    });

    it('one unattended try per outage, then needs-auth (logged); tunnel auth logs in here and the same tunnel resumes', async () => {
      const started = await tunnel(
        [
          'up',
          '-F',
          config,
          '--via',
          'login',
          '--to',
          'isolated-node',
          '-L',
          '7951:127.0.0.1:8080',
          '-d',
          '--name',
          'twofa',
          '--multiplex',
          '--keepalive',
          '2',
        ],
        true,
      );
      expect(started.exitCode, started.stderr).toBe(0);
      expect((await t.exec('laptop', ['curl', '-s', '-m', '5', 'http://127.0.0.1:7951/'])).stdout).toBe('behind 2FA');

      const before = await passwordRounds();
      await t.killSshdConnections('login');
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await listed())?.state !== 'needs-auth')
        await new Promise((r) => setTimeout(r, 250));
      expect((await listed())?.state).toBe('needs-auth');
      await new Promise((r) => setTimeout(r, 5000)); // would a loop try again?
      expect((await listed())?.state).toBe('needs-auth');
      expect((await passwordRounds()) - before).toBeLessThanOrEqual(1);
      expect((await tunnel(['logs', 'twofa'])).stdout).toContain(
        "needs a login: run 'tunnel auth twofa' from a terminal",
      );

      const auth = await tunnel(['auth', 'twofa'], true);
      expect(auth.exitCode, auth.stderr).toBe(0);
      expect(auth.stdout).toContain('twofa: up again');
      expect((await t.exec('laptop', ['curl', '-s', '-m', '5', 'http://127.0.0.1:7951/'])).stdout).toBe('behind 2FA');
      expect(await listed()).toMatchObject({ state: 'up', restarts: 1 });
    });
  });
}
