import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '../harness/proc.js';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';
import { stageForCluster } from '../harness/stage.js';

const can = canBuildTopology();
const httpServer = fileURLToPath(new URL('../fixtures/http-unix-server.mjs', import.meta.url));

if (!can.ok) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e topology tests: ${can.why}\n${'!'.repeat(72)}\n`);
  it.skip(`topology e2e (skipped: ${can.why})`, () => undefined);
} else {
  describe('laptop / login / isolated-node topology', { timeout: 60_000 }, () => {
    let t: Topology;
    const ssh = (args: string[], timeoutMs = 20_000) =>
      t.exec('laptop', ['ssh', '-F', t.sshConfigPath, ...args], { timeoutMs });

    beforeAll(async () => {
      t = await buildTopology();
    }, 120_000);
    afterAll(async () => {
      await t?.teardown();
    });

    it('laptop reaches the login sshd but has no route to the node', async () => {
      const login = await t.exec('laptop', ['nc', '-z', '-w', '2', t.addr.login, '22']);
      expect(login.exitCode, login.stderr).toBe(0);
      const node = await t.exec('laptop', ['nc', '-z', '-w', '2', t.addr.node, '22']);
      expect(node.exitCode).not.toBe(0);
      const route = await t.exec('laptop', ['ip', 'route', 'get', t.addr.node]);
      expect(route.exitCode).not.toBe(0);
      // The node cannot reach the laptop either, so reverse tunnels must really go through ssh.
      const back = await t.exec('node', ['nc', '-z', '-w', '2', t.addr.laptop, '22']);
      expect(back.exitCode).not.toBe(0);
    });

    it('ProxyJump from the laptop lands on the isolated node as the cluster user', async () => {
      const r = await ssh(['-J', 'login', 'isolated-node', 'echo "$(hostname) $(id -un)"']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(`isolated-node ${t.user}`);
    });

    it('the cluster user on login can ssh isolated-node in BatchMode (relay prerequisite)', async () => {
      const r = await t.exec('login', ['ssh', 'isolated-node', 'hostname'], { asUser: true });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('isolated-node');
      const back = await t.exec('node', ['ssh', 'login', 'hostname'], { asUser: true });
      expect(back.stdout.trim(), back.stderr).toBe('login');
    });

    it('login and node share the home but not /tmp', async () => {
      const mark = `/tmp/tnl-mark-${t.id}`;
      expect((await t.exec('login', ['touch', mark], { asUser: true })).exitCode).toBe(0);
      expect((await t.exec('login', ['test', '-e', mark])).exitCode).toBe(0);
      expect((await t.exec('node', ['test', '-e', mark])).exitCode).toBe(1);
      expect(existsSync(mark)).toBe(false);
      const homeMark = `${t.home}/tnl-mark-${t.id}`;
      expect((await t.exec('login', ['touch', homeMark], { asUser: true })).exitCode).toBe(0);
      expect((await t.exec('node', ['rm', homeMark], { asUser: true })).exitCode).toBe(0);
    });

    it('forwards a Unix socket on the node to a laptop port with -J', async () => {
      const sock = '/tmp/tnl-http.sock';
      const staged = await stageForCluster(t, httpServer);
      const server = await t.spawn('node', ['node', staged.path, sock, 'hello from the node'], { asUser: true });
      await server.waitForOutput(/listening/);
      expect((await t.exec('login', ['test', '-S', sock])).exitCode).toBe(1);

      const port = 18080;
      const tunnel = await t.spawn('laptop', [
        'ssh',
        '-F',
        t.sshConfigPath,
        '-J',
        'login',
        '-L',
        `127.0.0.1:${port}:${sock}`,
        '-N',
        '-T',
        '-o',
        'ExitOnForwardFailure=yes',
        'isolated-node',
      ]);
      let body = '';
      await waitFor(
        async () => {
          const r = await t.exec('laptop', ['curl', '-sS', '--max-time', '2', `http://127.0.0.1:${port}/`]);
          body = r.stdout;
          return r.exitCode === 0;
        },
        10_000,
        `curl through the tunnel (ssh said: ${tunnel.output()})`,
        200,
      );
      expect(body).toBe('hello from the node');

      await tunnel.kill();
      expect(await isAlive(tunnel.pid)).toBe(false);
      // The ProxyJump child (`ssh -W`) must go with its parent.
      await waitFor(async () => (await t.pids('laptop', /^ssh /)).length === 0, 5000, 'laptop ssh processes to exit');
      await server.kill();
      await staged.remove();
      expect((await t.exec('node', ['test', '-e', sock])).exitCode).toBe(1);
    });

    it('killSshdConnections drops a session; restartSshd keeps serving with the same host key', async () => {
      const session = await t.spawn('laptop', ['ssh', '-F', t.sshConfigPath, '-N', 'login']);
      await waitFor(async () => (await t.pids('login', /^sshd: tunnelu/)).length > 0, 10_000, 'session on login');
      await t.killSshdConnections('login');
      expect(await session.exited).toBe(255);
      await t.restartSshd('node');
      const r = await ssh(['-J', 'login', 'isolated-node', 'true']);
      expect(r.exitCode, r.stderr).toBe(0);
    });

    it('blackholes are silent timeouts and lifting them restores the link', async () => {
      await t.blackhole('laptop-login', true);
      const started = Date.now();
      const dead = await ssh(['-o', 'ConnectTimeout=2', 'login', 'true']);
      expect(dead.exitCode).toBe(255);
      expect(dead.stderr).toMatch(/timed out/i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      await t.blackhole('laptop-login', true); // idempotent
      await t.blackhole('laptop-login', false);
      const alive = await ssh(['-o', 'ConnectTimeout=5', 'login', 'true']);
      expect(alive.exitCode, alive.stderr).toBe(0);

      await t.blackhole('login-node', true);
      expect((await t.exec('login', ['nc', '-z', '-w', '2', t.addr.node, '22'])).exitCode).not.toBe(0);
      await t.blackhole('login-node', false);
      await t.blackhole('login-node', false); // idempotent
      expect((await t.exec('login', ['nc', '-z', '-w', '2', t.addr.node, '22'])).exitCode).toBe(0);
    });

    it('a second live topology shares the account without breaking the first', async () => {
      const other = await buildTopology();
      try {
        expect(other.id).not.toBe(t.id);
        const r = await other.exec('laptop', [
          'ssh',
          '-F',
          other.sshConfigPath,
          '-J',
          'login',
          'isolated-node',
          'true',
        ]);
        expect(r.exitCode, r.stderr).toBe(0);
      } finally {
        await other.teardown();
      }
      const mine = await ssh(['-J', 'login', 'isolated-node', 'true']);
      expect(mine.exitCode, mine.stderr).toBe(0);
      const relay = await t.exec('login', ['ssh', 'isolated-node', 'true'], { asUser: true });
      expect(relay.exitCode, relay.stderr).toBe(0);
    });

    it('teardown removes namespaces and every process (idempotently)', async () => {
      const sleeper = await t.spawn('node', ['sleep', '300'], { asUser: true });
      await t.teardown();
      await t.teardown();
      expect(await isAlive(sleeper.pid)).toBe(false);
      const list = await execa('ip', ['netns', 'list']);
      expect(list.stdout).not.toContain(t.id);
    });
  });
}
