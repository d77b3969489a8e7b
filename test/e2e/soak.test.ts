import { fileURLToPath } from 'node:url';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
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
  sshPids: number[];
}

if (!can.ok) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e soak test: ${can.why}\n${'!'.repeat(72)}\n`);
  it.skip(`soak e2e (skipped: ${can.why})`, () => undefined);
} else {
  describe(
    'soak: a bounded series of mixed faults against one background tunnel and a multiplexed pair',
    { timeout: 300_000 },
    () => {
      let t: Topology;
      let stateDir: string;
      let http = HTTP_SOURCE;
      const running: Spawned[] = [];
      const APP_SOCK = '/tmp/soak.sock';
      const PORTS = { solo: 7701, muxA: 7702, muxB: 7703 } as const;
      const tunnel = (args: string[]) =>
        t.exec('laptop', ['node', CLI, ...args], { env: { TUNNEL_HOME: stateDir, NO_COLOR: '1' }, timeoutMs: 60_000 });
      const ls = async () => JSON.parse((await tunnel(['ls', '--json'])).stdout) as Listed[];
      const answers = async (port: number) =>
        (await t.exec('laptop', ['curl', '-s', '-m', '2', `http://127.0.0.1:${port}/`])).stdout === 'soak';
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

      /** Every tunnel answers and ls says up for each (truthful: its ssh pids are alive). Returns seconds. */
      async function allBack(timeoutMs: number): Promise<number> {
        const start = Date.now();
        while (Date.now() - start < timeoutMs) {
          const ok = (await Promise.all(Object.values(PORTS).map(answers))).every(Boolean);
          const listed = await ls();
          if (ok && listed.length === 3 && listed.every((l) => l.state === 'up')) return (Date.now() - start) / 1000;
          await sleep(250);
        }
        throw new Error(`not all back within ${timeoutMs} ms: ${JSON.stringify(await ls())}`);
      }

      // Each fault is bounded; the order is fixed so a failure names its step.
      const FAULTS: Array<[string, () => Promise<void>]> = [
        ['kill the login sshd sessions', () => t.killSshdConnections('login')],
        ['restart the compute node sshd', () => t.restartSshd('node')],
        [
          'blackhole laptop-login for 5 s',
          async () => {
            await t.blackhole('laptop-login', true);
            await sleep(5000);
            await t.blackhole('laptop-login', false);
          },
        ],
        ['kill the compute node sshd sessions', () => t.killSshdConnections('node')],
        [
          'blackhole login-node for 5 s',
          async () => {
            await t.blackhole('login-node', true);
            await sleep(5000);
            await t.blackhole('login-node', false);
          },
        ],
        ['restart the login sshd', () => t.restartSshd('login')],
      ];

      beforeAll(async () => {
        t = await buildTopology();
        http = (await stageForCluster(t, HTTP_SOURCE)).path;
        stateDir = await mkdtemp(join(tmpdir(), 'tnl-e2e-soak-'));
        const app = await t.spawn('node', ['node', http, APP_SOCK, 'soak'], { asUser: true });
        await app.waitForOutput(/listening/, 10_000);
        running.push(app);
      }, 180_000);

      afterAll(async () => {
        await t?.blackhole('laptop-login', false).catch(() => undefined);
        await t?.blackhole('login-node', false).catch(() => undefined);
        await tunnel(['down', '--all']).catch(() => undefined);
        for (const child of running.reverse()) await child.kill('SIGKILL').catch(() => undefined);
        if (http !== HTTP_SOURCE) await rm(http, { force: true });
        await t?.teardown();
        await rm(stateDir, { recursive: true, force: true });
      });

      it('recovers after every fault, ls tells the truth after each, and nothing is left at the end', async () => {
        const common = [
          '-F',
          t.sshConfigPath,
          '--via',
          'login',
          '--to',
          'isolated-node',
          '--keepalive',
          '1',
          '--keepalive-count',
          '3',
          '--connect-timeout',
          '2',
          '-d',
        ];
        for (const [name, port, extra] of [
          ['solo', PORTS.solo, []],
          ['muxA', PORTS.muxA, ['--multiplex']],
          ['muxB', PORTS.muxB, ['--multiplex']],
        ] as const) {
          const started = await tunnel(['up', ...common, '-L', `${port}:${APP_SOCK}`, '--name', name, ...extra]);
          expect(started.exitCode, started.stderr).toBe(0);
        }
        await allBack(20_000);
        let restarts = (await ls()).map((l) => l.restarts);
        for (const [step, fault] of FAULTS) {
          await fault();
          const seconds = await allBack(60_000);
          const listed = await ls();
          const now = listed.map((l) => l.restarts);
          console.log(`soak: ${step}: all answering again after ${seconds} s; restarts ${now.join('/')}`);
          now.forEach((r, i) => expect(r, `${step}: restarts never go back`).toBeGreaterThanOrEqual(restarts[i]!));
          const solo = listed.find((l) => l.name === 'solo')!;
          expect(solo.sshPids, `${step}: the record names the live ssh`).toHaveLength(1);
          expect(
            (await t.exec('laptop', ['kill', '-0', String(solo.sshPids[0])])).exitCode,
            `${step}: that ssh is alive`,
          ).toBe(0);
          // No ssh piles up: one for the solo tunnel, one shared master (plus its ProxyJump children).
          expect(
            (await t.pids('laptop', /^ssh .*-N -T /)).length,
            `${step}: ssh processes on the laptop`,
          ).toBeLessThanOrEqual(2);
          restarts = now;
        }
        expect((await tunnel(['down', '--all'])).exitCode).toBe(0);
        await sleep(1000);
        expect(await t.pids('laptop', /(^|\/)ssh /)).toEqual([]);
        expect(await t.pids('login', /sshd: .*@notty/)).toEqual([]);
        expect(await readdir(join(stateDir, 'tunnels')).catch(() => [])).toEqual([]);
      });
    },
  );
}
