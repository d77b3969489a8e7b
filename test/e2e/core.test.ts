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
let HTTP = HTTP_SOURCE;

if (!can.ok) {
  console.warn(
    `\n${'!'.repeat(72)}\n!! SKIPPING e2e core tests (laptop/login/isolated-node): ${can.why}\n${'!'.repeat(72)}\n`,
  );
  it.skip(`core e2e (skipped: ${can.why})`, () => undefined);
} else {
  describe('tunnel through a login node to an isolated compute node', { timeout: 90_000 }, () => {
    let t: Topology;
    let stateDir: string;
    const APP_SOCK = '/tmp/app.sock';
    const running: Spawned[] = [];

    /** Runs `tunnel` on the laptop; resolves with its first output line (the --json object). */
    const tunnelUp = async (args: string[]) => {
      const child = await t.spawn('laptop', ['node', CLI, 'up', '-F', t.sshConfigPath, ...args, '--json'], {
        env: { TUNNEL_HOME: stateDir, NO_COLOR: '1' },
      });
      running.push(child);
      const line = (await child.waitForOutput(/^\{.*\}$/m, 30_000)).split('\n').find((l) => l.startsWith('{'))!;
      return {
        child,
        json: JSON.parse(line) as {
          state: string;
          strategy: string;
          pids: number[];
          forwards: Array<{ listen: string; allocatedPort?: number }>;
        },
      };
    };
    const curlFrom = (node: 'laptop' | 'node', url: string) => t.exec(node, ['curl', '-s', '-m', '5', url]);
    const curlSocket = (node: 'laptop', path: string) =>
      t.exec(node, ['curl', '-s', '-m', '5', '--unix-socket', path, 'http://x/']);
    const sshOn = (node: 'laptop' | 'login' | 'node') => t.pids(node, /(^|\/)ssh /);

    beforeAll(async () => {
      t = await buildTopology();
      HTTP = (await stageForCluster(t, HTTP_SOURCE)).path;
      stateDir = await mkdtemp(join(tmpdir(), 'tnl-e2e-state-'));
      const app = await t.spawn('node', ['node', HTTP, APP_SOCK, 'hello from isolated-node'], { asUser: true });
      await app.waitForOutput(/listening/, 10_000);
      running.push(app);
      const tcpApp = await t.spawn('node', ['node', HTTP, '8080', 'tcp on isolated-node'], { asUser: true });
      await tcpApp.waitForOutput(/listening/, 10_000);
      running.push(tcpApp);
    }, 180_000);

    afterAll(async () => {
      for (const child of running.reverse()) await child.kill('SIGKILL').catch(() => undefined);
      if (HTTP !== HTTP_SOURCE) await rm(HTTP, { force: true });
      await t?.teardown();
      await rm(stateDir, { recursive: true, force: true });
    });

    it('port -> socket on the node (jump): ready, answered, and after SIGTERM nothing is left on any node', async () => {
      const { child, json } = await tunnelUp(['--via', 'login', '--to', 'isolated-node', '-L', `8899:${APP_SOCK}`]);
      expect(json.state).toBe('up');
      expect(json.strategy).toBe('jump');
      expect((await curlFrom('laptop', 'http://127.0.0.1:8899/')).stdout).toBe('hello from isolated-node');
      await child.kill('SIGTERM');
      expect(await child.exited).toBe(143);
      expect(await sshOn('laptop')).toEqual([]);
      expect(await t.pids('login', /sshd: .*@notty/)).toEqual([]);
      expect((await curlFrom('laptop', 'http://127.0.0.1:8899/')).exitCode).not.toBe(0);
    });

    it('port -> port and socket -> socket in one tunnel', async () => {
      const local = join(stateDir, 'db.sock');
      const { child } = await tunnelUp([
        '--via',
        'login',
        '--to',
        'isolated-node',
        '-L',
        '5678:127.0.0.1:8080',
        '-L',
        `${local}:${APP_SOCK}`,
      ]);
      expect((await curlFrom('laptop', 'http://127.0.0.1:5678/')).stdout).toBe('tcp on isolated-node');
      expect((await curlSocket('laptop', local)).stdout).toBe('hello from isolated-node');
      await child.kill('SIGTERM');
      await child.exited;
      expect((await t.exec('laptop', ['test', '-e', local])).exitCode).toBe(1);
    });

    it('-R 0 lands on the node itself (no GatewayPorts needed): the node reaches a laptop app through it', async () => {
      const laptopApp = await t.spawn('laptop', ['node', HTTP, '9123', 'manager on the laptop']);
      running.push(laptopApp);
      await laptopApp.waitForOutput(/listening/, 10_000);
      const { child, json } = await tunnelUp(['--via', 'login', '--to', 'isolated-node', '-R', '0:127.0.0.1:9123']);
      const port = json.forwards[0]!.allocatedPort!;
      expect(port).toBeGreaterThan(0);
      expect((await curlFrom('node', `http://127.0.0.1:${port}/`)).stdout).toBe('manager on the laptop');
      await child.kill('SIGTERM');
      await child.exited;
      await laptopApp.kill('SIGTERM');
    });

    it('relay: the login node runs the inner ssh; its intermediate socket and inner ssh are gone after teardown', async () => {
      const { child, json } = await tunnelUp([
        '--via',
        'login',
        '--to',
        'isolated-node',
        '--strategy',
        'relay',
        '-L',
        `8898:${APP_SOCK}`,
      ]);
      expect(json.strategy).toBe('relay');
      expect((await curlFrom('laptop', 'http://127.0.0.1:8898/')).stdout).toBe('hello from isolated-node');
      expect((await t.exec('login', ['sh', '-c', 'ls -d /tmp/tnl-*'])).stdout).toMatch(/\/tmp\/tnl-[0-9a-f]{12}/);
      await child.kill('SIGTERM');
      await child.exited;
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await t.pids('login', /ssh -N -T/)).length > 0)
        await new Promise((r) => setTimeout(r, 200));
      expect(await t.pids('login', /ssh -N -T/)).toEqual([]);
      expect((await t.exec('login', ['sh', '-c', 'ls -d /tmp/tnl-* 2>/dev/null'])).stdout).toBe('');
    });

    it('--dry-run pasted into a shell on the laptop builds the same working tunnel', async () => {
      const dry = await t.exec('laptop', [
        'node',
        CLI,
        'up',
        '-F',
        t.sshConfigPath,
        '--via',
        'login',
        '--to',
        'isolated-node',
        '-L',
        `8897:${APP_SOCK}`,
        '--dry-run',
      ]);
      const line = dry.stdout.split('\n').find((l) => l.startsWith('ssh '))!;
      const shell = await t.spawn('laptop', ['bash', '-c', `exec ${line}`]);
      running.push(shell);
      let body = '';
      for (let i = 0; i < 50 && body === ''; i += 1) {
        body = (await curlFrom('laptop', 'http://127.0.0.1:8897/')).stdout;
        if (body === '') await new Promise((r) => setTimeout(r, 200));
      }
      expect(body).toBe('hello from isolated-node');
      await shell.kill('SIGTERM');
    });
  });
}
