import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';
import type { Spawned } from '../harness/node-exec.js';
import { stageForCluster } from '../harness/stage.js';

const can = canBuildTopology();
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const HTTP_SOURCE = fileURLToPath(new URL('../fixtures/http-unix-server.mjs', import.meta.url));
let HTTP = HTTP_SOURCE;

if (!can.ok) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e fault tests: ${can.why}\n${'!'.repeat(72)}\n`);
  it.skip(`fault e2e (skipped: ${can.why})`, () => undefined);
} else {
  describe('faults between the laptop, the login node and the compute node', { timeout: 120_000 }, () => {
    let t: Topology;
    let stateDir: string;
    let app: Spawned | undefined;
    const APP_SOCK = '/tmp/app.sock';
    const env = () => ({ TUNNEL_HOME: stateDir, NO_COLOR: '1' });
    const tunnel = (args: string[]) => t.exec('laptop', ['node', CLI, ...args], { env: env(), timeoutMs: 60_000 });
    const ls = async () =>
      JSON.parse((await tunnel(['ls', '--json'])).stdout) as Array<{
        name: string;
        state: string;
        restarts: number;
        supervisorPid: number;
        sshPids: number[];
      }>;
    const get = (port: number) => t.exec('laptop', ['curl', '-s', '-m', '3', `http://127.0.0.1:${port}/`]);
    const startApp = async () => {
      app = await t.spawn('node', ['node', HTTP, APP_SOCK, 'app'], { asUser: true });
      await app.waitForOutput(/listening/, 10_000);
    };
    /** Polls until a request through the tunnel is answered; returns the seconds it took. */
    const recovered = async (port: number, timeoutMs: number) => {
      const start = Date.now();
      while (Date.now() - start < timeoutMs) {
        if ((await get(port)).stdout === 'app') return (Date.now() - start) / 1000;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`no answer through port ${port} within ${timeoutMs} ms`);
    };
    const upDetached = async (name: string, port: number, extra: string[] = []) => {
      const result = await tunnel([
        'up',
        '-F',
        t.sshConfigPath,
        '--via',
        'login',
        '--to',
        'isolated-node',
        '-L',
        `${port}:${APP_SOCK}`,
        '-d',
        '--name',
        name,
        '--keepalive',
        '1',
        '--keepalive-count',
        '3',
        '--connect-timeout',
        '2',
        ...extra,
      ]);
      expect(result.exitCode, result.stderr).toBe(0);
    };

    beforeAll(async () => {
      t = await buildTopology();
      HTTP = (await stageForCluster(t, HTTP_SOURCE)).path;
      stateDir = await mkdtemp(join(tmpdir(), 'tnl-faults-'));
      await startApp();
    }, 180_000);

    afterEach(async () => {
      await t.blackhole('laptop-login', false);
      await tunnel(['down', '--all']);
    });

    afterAll(async () => {
      await app?.kill('SIGKILL').catch(() => undefined);
      if (HTTP !== HTTP_SOURCE) await rm(HTTP, { force: true });
      await t?.teardown();
      await rm(stateDir, { recursive: true, force: true });
    });

    it("1. the login node's sshd connection process is killed: back by itself", async () => {
      await upDetached('f1', 7001);
      await t.killSshdConnections('login');
      console.log(`fault 1 recovery: ${await recovered(7001, 20_000)} s`);
      expect((await ls())[0]!.restarts).toBeGreaterThanOrEqual(1);
    });

    it("2. the login node's sshd is restarted: back by itself", async () => {
      await upDetached('f2', 7002);
      const before = (await ls())[0]!;
      expect(before.state).toBe('up');
      expect(before.sshPids.length, 'the record names the running ssh').toBeGreaterThan(0);
      await t.restartSshd('login');
      console.log(`fault 2 recovery: ${await recovered(7002, 30_000)} s`);
      // It really dropped and came back: the counter went up, and none of the old ssh runs the tunnel any more.
      const after = (await ls())[0]!;
      expect(after.state).toBe('up');
      expect(after.restarts).toBeGreaterThan(before.restarts);
      expect(after.sshPids.length).toBeGreaterThan(0);
      expect(after.sshPids.filter((pid) => before.sshPids.includes(pid))).toEqual([]);
    });

    it('3a. a blackhole shorter than the detection window: the same connection carries on', async () => {
      await upDetached('f3a', 7003, ['--keepalive', '2', '--keepalive-count', '5']);
      await t.blackhole('laptop-login', true);
      await new Promise((r) => setTimeout(r, 3000));
      await t.blackhole('laptop-login', false);
      await recovered(7003, 10_000);
      expect((await ls())[0]!.restarts).toBe(0);
    });

    it('3b. a 10 s blackhole (longer than the 3 s window): detected, reconnected once the link is back', async () => {
      await upDetached('f3b', 7004);
      await t.blackhole('laptop-login', true);
      await new Promise((r) => setTimeout(r, 10_000));
      expect(['reconnecting', 'up']).toContain((await ls())[0]!.state);
      await t.blackhole('laptop-login', false);
      console.log(`fault 3b recovery after the link returned: ${await recovered(7004, 30_000)} s`);
      expect((await ls())[0]!.restarts).toBeGreaterThanOrEqual(1);
    });

    it('4. the app on the compute node stops (degraded) and starts again (up)', async () => {
      await upDetached('f4', 7005, ['--health-interval', '1']);
      await app!.kill('SIGTERM');
      const until = async (state: string) => {
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline && (await ls())[0]!.state !== state) await new Promise((r) => setTimeout(r, 300));
        expect((await ls())[0]!.state).toBe(state);
      };
      await until('degraded');
      await startApp();
      await until('up');
      await recovered(7005, 5000);
    });

    it('5. a stale socket at the -R path on the node is cleared before binding', async () => {
      const stale = '/tmp/pv.sock';
      const crashed = await t.spawn(
        'node',
        ['node', '-e', `require('net').createServer().listen('${stale}', () => console.log('up'))`],
        { asUser: true },
      );
      await crashed.waitForOutput(/up/, 5000);
      await crashed.kill('SIGKILL');
      expect((await t.exec('node', ['test', '-S', stale])).exitCode).toBe(0);
      const laptopApp = await t.spawn('laptop', ['node', HTTP, '9124', 'reverse']);
      await laptopApp.waitForOutput(/listening/, 5000);
      const result = await tunnel([
        'up',
        '-F',
        t.sshConfigPath,
        '--via',
        'login',
        '--to',
        'isolated-node',
        '-R',
        `${stale}:127.0.0.1:9124`,
        '-d',
        '--name',
        'f5',
      ]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect((await t.exec('node', ['curl', '-s', '-m', '3', '--unix-socket', stale, 'http://x/'])).stdout).toBe(
        'reverse',
      );
      await tunnel(['down', 'f5']);
      expect((await t.exec('node', ['test', '-e', stale])).exitCode).toBe(1);
      await laptopApp.kill('SIGTERM');
    });

    it('6. relay: after the login sshd drops the connection, the record names the new ssh (and the inner one is replaced on login)', async () => {
      await upDetached('f6', 7006, ['--strategy', 'relay']);
      const before = (await ls())[0]!;
      expect(before.sshPids).toHaveLength(1);
      await t.killSshdConnections('login');
      console.log(`fault 6 recovery: ${await recovered(7006, 30_000)} s`);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await ls())[0]!.state !== 'up') await new Promise((r) => setTimeout(r, 200));
      const after = (await ls())[0]!;
      expect(after).toMatchObject({ state: 'up' });
      expect(after.restarts).toBeGreaterThanOrEqual(1);
      expect(after.sshPids).toHaveLength(1);
      expect(after.sshPids[0]).not.toBe(before.sshPids[0]);
      expect((await t.exec('laptop', ['kill', '-0', String(after.sshPids[0])])).exitCode).toBe(0);
    });

    it('8. the supervisor is SIGKILLed: ls says dead, down removes its ssh on every node', async () => {
      await upDetached('f8', 7008);
      const [record] = await ls();
      await t.exec('laptop', ['kill', '-9', String(record!.supervisorPid)]);
      await new Promise((r) => setTimeout(r, 500));
      expect((await ls())[0]!.state).toBe('dead');
      expect((await tunnel(['down', 'f8'])).stdout).toContain('supervisor was dead');
      expect(await t.pids('laptop', /(^|\/)ssh /)).toEqual([]);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await t.pids('login', /sshd: .*@notty/)).toEqual([]);
      expect(await t.pids('node', /sshd: .*@notty/)).toEqual([]);
    });
  });
}
