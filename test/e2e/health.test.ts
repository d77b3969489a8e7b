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
    `\n${'!'.repeat(72)}\n!! SKIPPING e2e health tests (laptop/login/isolated-node): ${can.why}\n${'!'.repeat(72)}\n`,
  );
  it.skip(`health e2e (skipped: ${can.why})`, () => undefined);
} else {
  describe('health that a silent link cannot fool', { timeout: 120_000 }, () => {
    let t: Topology;
    let stateDir: string;
    let http = HTTP_SOURCE;
    const running: Spawned[] = [];
    const tunnel = (args: string[]) =>
      t.exec('laptop', ['node', CLI, ...args], { env: { TUNNEL_HOME: stateDir, NO_COLOR: '1' }, timeoutMs: 60_000 });
    const state = async () =>
      (
        JSON.parse((await tunnel(['ls', '--json'])).stdout) as Array<{
          state: string;
          restarts: number;
          lastError?: { message: string };
        }>
      )[0];

    async function waitForState(wanted: string, timeoutMs: number): Promise<Awaited<ReturnType<typeof state>>> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = await state();
        if (now?.state === wanted || Date.now() > deadline) return now;
        await new Promise((r) => setTimeout(r, 250));
      }
    }

    beforeAll(async () => {
      t = await buildTopology();
      http = (await stageForCluster(t, HTTP_SOURCE)).path;
      stateDir = await mkdtemp(join(tmpdir(), 'tnl-e2e-health-'));
      const app = await t.spawn('node', ['node', http, '8080', 'answer'], { asUser: true });
      await app.waitForOutput(/listening/, 10_000);
      running.push(app);
    }, 180_000);

    afterAll(async () => {
      await t?.blackhole('laptop-login', false).catch(() => undefined);
      await tunnel(['down', '--all']).catch(() => undefined);
      for (const child of running.reverse()) await child.kill('SIGKILL').catch(() => undefined);
      if (http !== HTTP_SOURCE) await rm(http, { force: true });
      await t?.teardown();
      await rm(stateDir, { recursive: true, force: true });
    });

    it('a blackhole of the laptop-login link is degraded within seconds (not up for the keepalive window), and up again after', async () => {
      // Keepalives of 10 s x 3: ssh itself would notice only after 30 s.
      const started = await tunnel([
        'up',
        '-F',
        t.sshConfigPath,
        '--via',
        'login',
        '--to',
        'isolated-node',
        '-L',
        '7901:127.0.0.1:8080',
        '--keepalive',
        '10',
        '--health-interval',
        '1',
        '-d',
        '--name',
        'watched',
      ]);
      expect(started.exitCode, started.stderr).toBe(0);
      expect((await state())?.state).toBe('up');
      await t.blackhole('laptop-login', true);
      const dark = await waitForState('degraded', 10_000);
      expect(dark?.state).toBe('degraded');
      expect(dark?.lastError?.message).toMatch(/no answer through the tunnel to 127\.0\.0\.1:8080 on isolated-node/);
      await t.blackhole('laptop-login', false);
      const back = await waitForState('up', 15_000);
      expect(back?.state).toBe('up');
      expect(back?.restarts).toBe(0); // the same ssh: the link came back before keepalives gave up
    });
  });
}
