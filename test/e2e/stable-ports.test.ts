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

interface Listed {
  name: string;
  state: string;
  restarts: number;
  forwards: Array<{ listen: string; allocatedPort?: number }>;
}

if (!can.ok) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e stable -R ports: ${can.why}\n${'!'.repeat(72)}\n`);
  it.skip(`stable -R ports e2e (skipped: ${can.why})`, () => undefined);
} else {
  describe(
    'the workqueue flow keeps its head-node port through faults on the manager side',
    { timeout: 180_000 },
    () => {
      let t: Topology;
      let stateDir: string;
      let http = HTTP_SOURCE;
      const running: Spawned[] = [];
      const tunnel = (args: string[]) =>
        t.exec('laptop', ['node', CLI, ...args], { env: { TUNNEL_HOME: stateDir, NO_COLOR: '1' }, timeoutMs: 60_000 });
      const wq = async (name: string) =>
        (JSON.parse((await tunnel(['ls', '--json'])).stdout) as Listed[]).find((l) => l.name === name)!;
      /** What a worker's forward reaches: the port on the head node, asked from the head node itself. */
      const consumer = (port: number) =>
        t.exec('login', ['curl', '-s', '-m', '3', `http://127.0.0.1:${port}/`], { asUser: true });

      async function consumerBack(name: string, port: number, timeoutMs: number): Promise<number> {
        const start = Date.now();
        while (Date.now() - start < timeoutMs) {
          const listed = await wq(name);
          if (listed.state === 'up' && (await consumer(port)).stdout === 'manager') return (Date.now() - start) / 1000;
          await new Promise((r) => setTimeout(r, 250));
        }
        throw new Error(
          `the consumer of port ${port} did not work again within ${timeoutMs} ms: ${JSON.stringify(await wq(name))}`,
        );
      }

      beforeAll(async () => {
        t = await buildTopology();
        http = (await stageForCluster(t, HTTP_SOURCE)).path;
        stateDir = await mkdtemp(join(tmpdir(), 'tnl-e2e-ports-'));
        const manager = await t.spawn('laptop', ['node', http, '9123', 'manager']);
        await manager.waitForOutput(/listening/, 10_000);
        running.push(manager);
      }, 180_000);

      afterAll(async () => {
        await t?.blackhole('laptop-login', false).catch(() => undefined);
        await tunnel(['down', '--all']).catch(() => undefined);
        for (const child of running.reverse()) await child.kill('SIGKILL').catch(() => undefined);
        if (http !== HTTP_SOURCE) await rm(http, { force: true });
        await t?.teardown();
        await rm(stateDir, { recursive: true, force: true });
      });

      // Through a shared --multiplex master the fault kills the master: the new one is asked for the same port.
      it.each([
        { name: 'wq', extra: [] as string[] },
        { name: 'wqmux', extra: ['--multiplex'] },
      ])(
        'same -R 0 port after a killed login sshd session and after a 10 s blackhole of the laptop-login link ($extra)',
        async ({ name, extra }) => {
          const started = await tunnel([
            'up',
            'workqueue',
            '-F',
            t.sshConfigPath,
            '--via',
            'login',
            '--port',
            '9123',
            '--keepalive',
            '1',
            '-d',
            '--name',
            name,
            ...extra,
          ]);
          expect(started.exitCode, started.stderr).toBe(0);
          const port = (await wq(name)).forwards[0]!.allocatedPort!;
          expect(port).toBeGreaterThan(0);
          expect((await consumer(port)).stdout).toBe('manager');

          await t.killSshdConnections('login');
          console.log(
            `stable ports (${name}): sshd kill: the consumer works again after ${await consumerBack(name, port, 30_000)} s`,
          );
          expect((await wq(name)).restarts).toBeGreaterThanOrEqual(1);
          expect((await wq(name)).forwards[0]!.allocatedPort).toBe(port);

          await t.blackhole('laptop-login', true);
          await new Promise((r) => setTimeout(r, 10_000));
          await t.blackhole('laptop-login', false);
          console.log(
            `stable ports (${name}): 10 s blackhole: the consumer works again ${await consumerBack(name, port, 60_000)} s after the lift`,
          );
          const after = await wq(name);
          expect(after.restarts).toBeGreaterThanOrEqual(2);
          expect(after.forwards[0]!.allocatedPort).toBe(port);
          expect(after.forwards[0]!.listen).toBe(`localhost:${port} on login`);
          await tunnel(['down', name]);
        },
      );
    },
  );
}
