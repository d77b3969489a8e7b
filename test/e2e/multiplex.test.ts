import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';
import type { Spawned } from '../harness/node-exec.js';
import { stageForCluster } from '../harness/stage.js';

const can = canBuildTopology();
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const HTTP_SOURCE = fileURLToPath(new URL('../fixtures/http-unix-server.mjs', import.meta.url));

if (!can.ok) {
  console.warn(
    `\n${'!'.repeat(72)}\n!! SKIPPING e2e multiplex tests (laptop/login/isolated-node): ${can.why}\n${'!'.repeat(72)}\n`,
  );
  it.skip(`multiplex e2e (skipped: ${can.why})`, () => undefined);
} else {
  describe('--multiplex through the login node to the isolated node', { timeout: 120_000 }, () => {
    let t: Topology;
    let stateDir: string;
    let http = HTTP_SOURCE;
    const APP_SOCK = '/tmp/mux-app.sock';
    const running: Spawned[] = [];

    const tunnel = (args: string[]) =>
      t.exec('laptop', ['node', CLI, ...args], { env: { TUNNEL_HOME: stateDir, NO_COLOR: '1' }, timeoutMs: 60_000 });
    const up = (name: string, forward: string) =>
      tunnel([
        'up',
        '-F',
        t.sshConfigPath,
        '--via',
        'login',
        '--to',
        'isolated-node',
        '-L',
        forward,
        '-d',
        '--name',
        name,
        '--multiplex',
        '--keepalive',
        '2',
        '--json',
      ]);
    const curl = (port: number) => t.exec('laptop', ['curl', '-s', '-m', '5', `http://127.0.0.1:${port}/`]);
    /** TCP connections from the laptop to the login node's sshd. */
    const connectionsToLogin = async () =>
      (await t.exec('laptop', ['ss', '-Htn', 'state', 'established', `( dst ${t.addr.login} and dport = :22 )`])).stdout
        .split('\n')
        .filter(Boolean).length;
    const masters = () => t.pids('laptop', /^ssh -M /);

    beforeAll(async () => {
      t = await buildTopology();
      http = (await stageForCluster(t, HTTP_SOURCE)).path;
      stateDir = await mkdtemp(join(tmpdir(), 'tnl-e2e-mux-'));
      const app = await t.spawn('node', ['node', http, APP_SOCK, 'hello through the shared master'], { asUser: true });
      await app.waitForOutput(/listening/, 10_000);
      running.push(app);
      const tcp = await t.spawn('node', ['node', http, '8080', 'tcp through the shared master'], { asUser: true });
      await tcp.waitForOutput(/listening/, 10_000);
      running.push(tcp);
    }, 180_000);

    afterAll(async () => {
      await tunnel(['down', '--all']).catch(() => undefined);
      for (const child of running.reverse()) await child.kill('SIGKILL').catch(() => undefined);
      if (http !== HTTP_SOURCE) await rm(http, { force: true });
      await t?.teardown();
      await rm(stateDir, { recursive: true, force: true });
    });

    it('two tunnels share one TCP connection from the laptop; down of one leaves the other; the last down removes the master', async () => {
      const one = await up('one', `7801:${APP_SOCK}`);
      expect(one.exitCode, one.stderr).toBe(0);
      const two = await up('two', '7802:127.0.0.1:8080');
      expect(two.exitCode, two.stderr).toBe(0);
      expect((await curl(7801)).stdout).toBe('hello through the shared master');
      expect((await curl(7802)).stdout).toBe('tcp through the shared master');
      expect(await connectionsToLogin()).toBe(1);
      expect(await masters()).toHaveLength(1);

      expect((await tunnel(['down', 'one'])).exitCode).toBe(0);
      expect((await curl(7801)).exitCode).not.toBe(0);
      expect((await curl(7802)).stdout).toBe('tcp through the shared master');
      expect(await connectionsToLogin()).toBe(1);

      expect((await tunnel(['down', 'two'])).exitCode).toBe(0);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await masters()).length > 0) await new Promise((r) => setTimeout(r, 200));
      expect(await masters()).toEqual([]);
      expect(await connectionsToLogin()).toBe(0);
      expect(await t.pids('login', /sshd: .*@notty/)).toEqual([]);
    });

    it('when the login node drops the shared connection, both tunnels come back on one new master', async () => {
      expect((await up('a', `7803:${APP_SOCK}`)).exitCode).toBe(0);
      expect((await up('b', '7804:127.0.0.1:8080')).exitCode).toBe(0);
      const [before] = await masters();
      await t.killSshdConnections('login');
      for (const port of [7803, 7804]) {
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline && (await curl(port)).exitCode !== 0) await new Promise((r) => setTimeout(r, 250));
        expect((await curl(port)).exitCode, `tunnel on ${port} back`).toBe(0);
      }
      const after = await masters();
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before);
      expect(await connectionsToLogin()).toBe(1);
      const listed = JSON.parse((await tunnel(['ls', '--json'])).stdout) as Array<{
        name: string;
        state: string;
        restarts: number;
      }>;
      expect(listed.map((l) => [l.name, l.state, l.restarts])).toEqual([
        ['a', 'up', 1],
        ['b', 'up', 1],
      ]);
      expect((await tunnel(['down', '--all'])).exitCode).toBe(0);
    });
  });
}
