import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../harness/proc.js';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';
import type { Spawned } from '../harness/node-exec.js';

/*
 * `tunnel up jupyter --via login --to isolated-node --sock` for real: the laptop, login and
 * isolated node are separate network namespaces (the laptop has no route to the node), the
 * nodes have private /tmp and a shared home, and Jupyter runs as the cluster user. The preset
 * runs inside the laptop namespace from the built library (dist/), so build first.
 */
const can = canBuildTopology();
const dist = fileURLToPath(new URL('../../dist/presets/index.js', import.meta.url));

const DRIVER = `
import { resolvePresetUp, startPreset } from ${JSON.stringify(dist)};
const input = JSON.parse(process.env.TNL_PRESET_INPUT);
const t0 = Date.now();
const s = await startPreset(await resolvePresetUp('jupyter', input), { readyTimeoutMs: 30000 });
const ms = Date.now() - t0;
const url = new URL(s.report.json.url);
const status = async (u) => (await fetch(u, { signal: AbortSignal.timeout(5000) })).status;
const withToken = await status(url.origin + '/api/status?token=' + url.searchParams.get('token'));
const withoutToken = await status(url.origin + '/api/status');
console.log('RESULT ' + JSON.stringify({ ms, state: s.session.state, socket: s.report.json.app.socket, withToken, withoutToken, tokenLength: url.searchParams.get('token').length }));
process.once('SIGTERM', async () => { await s.down(); console.log('DOWN'); process.exit(0); });
setInterval(() => undefined, 1000);
`;

if (!can.ok || !existsSync(dist)) {
  const why = can.ok ? `${dist} is missing (run npx tsc -p . first)` : can.why;
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e jupyter preset: ${why}\n${'!'.repeat(72)}\n`);
  it.skip(`jupyter preset e2e (skipped: ${why})`, () => undefined);
} else {
  describe('jupyter --sock on the isolated node through login (namespaces)', { timeout: 120_000 }, () => {
    let t: Topology;
    let driver: Spawned | undefined;

    beforeAll(async () => {
      t = await buildTopology();
    }, 120_000);
    afterAll(async () => {
      await driver?.kill('SIGKILL').catch(() => undefined);
      await t?.teardown();
    });

    it('token URL works from the laptop, the socket exists only on the node, down stops Jupyter and removes it', async () => {
      const input = { via: ['login'], to: 'isolated-node', sock: true, sshConfig: t.sshConfigPath, batchMode: true };
      driver = await t.spawn('laptop', [process.execPath, '--input-type=module', '-e', DRIVER], {
        env: { TNL_PRESET_INPUT: JSON.stringify(input) },
      });
      const out = await driver.waitForOutput(/^RESULT .*$/m, 90_000);
      const result = JSON.parse(/^RESULT (.*)$/m.exec(out)![1]!) as {
        ms: number;
        withToken: number;
        withoutToken: number;
        tokenLength: number;
        socket: string;
        state: { pid: number; dir: string; to: string };
      };
      console.info(`e2e jupyter --sock: launch on the node + token + ProxyJump tunnel + 200 in ${result.ms} ms`);
      expect(result.withToken).toBe(200);
      expect(result.withoutToken).toBe(403);
      expect(result.tokenLength).toBeGreaterThanOrEqual(32);
      expect(out).not.toMatch(/token=[0-9a-f]{8}/);

      // The socket is on the node's private /tmp: not on the login node, not on the laptop.
      expect((await t.exec('node', ['test', '-S', result.socket])).exitCode).toBe(0);
      expect((await t.exec('node', ['stat', '-c', '%a %U', result.state.dir])).stdout.trim()).toBe(`700 ${t.user}`);
      expect((await t.exec('login', ['test', '-e', result.socket])).exitCode).toBe(1);
      expect(existsSync(result.socket)).toBe(false);
      // Jupyter runs as the cluster user, detached from any ssh session.
      expect(
        (await t.exec('node', ['ps', '-o', 'user=,sid=,pid=', '-p', String(result.state.pid)])).stdout
          .trim()
          .split(/\s+/),
      ).toEqual([t.user, String(result.state.pid), String(result.state.pid)]);

      await driver.kill('SIGTERM');
      expect(driver.output()).toMatch(/^DOWN$/m);
      expect(await isAlive(result.state.pid)).toBe(false);
      expect((await t.exec('node', ['test', '-e', result.state.dir])).exitCode).toBe(1);
    });
  });
}
