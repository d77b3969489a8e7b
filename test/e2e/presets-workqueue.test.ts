import { existsSync } from 'node:fs';
import { chown, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPreset, readTemplate, type ReversePreset } from '../../src/presets/index.js';
import { renderWorkerScript } from '../../src/workqueue/worker-script.js';
import { isAlive, killPids, waitFor } from '../harness/proc.js';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';
import type { Spawned } from '../harness/node-exec.js';

/*
 * The CCL recipe across real isolation: the Work Queue manager runs on the laptop, `tunnel up
 * workqueue --via login` publishes it on the login node's loopback, and the rendered worker
 * script runs on the isolated node as the cluster user, reaching login with its own ssh -L
 * (the cluster's ~/.ssh/config, BatchMode). The node has no route to the laptop.
 */
const can = canBuildTopology();
const WORKER_PROCESS = /^(ssh -N -T -v .* login|work_queue_worker )/;
const dist = fileURLToPath(new URL('../../dist/presets/index.js', import.meta.url));
const ready = existsSync('/usr/bin/work_queue_worker') && existsSync(dist);

const MANAGER = `
import sys, time, work_queue as wq
q = wq.WorkQueue(port=0)
print("PORT", q.port, flush=True)
for i in range(3):
    q.submit(wq.Task("echo task-%d-on-$(hostname)" % i))
deadline, done = time.time() + 60, 0
while done < 3 and time.time() < deadline:
    t = q.wait(1)
    if t:
        print("RESULT", t.return_status, t.output.strip(), flush=True)
        done += 1
print("DONE", done, flush=True)
time.sleep(300)
`;

const DRIVER = `
import { resolvePresetUp, startPreset } from ${JSON.stringify(dist)};
const s = await startPreset(await resolvePresetUp('workqueue', JSON.parse(process.env.TNL_PRESET_INPUT)), { readyTimeoutMs: 30000 });
console.log('RESULT ' + JSON.stringify(s.report.json));
process.once('SIGTERM', async () => { await s.down(); console.log('DOWN'); process.exit(0); });
setInterval(() => undefined, 1000);
`;

if (!can.ok || !ready) {
  const why = can.ok ? `needs work_queue_worker and ${dist} (run npx tsc -p . first)` : can.why;
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e workqueue preset: ${why}\n${'!'.repeat(72)}\n`);
  it.skip(`workqueue preset e2e (skipped: ${why})`, () => undefined);
} else {
  describe('workqueue: laptop manager, -R on login, workers on the isolated node', { timeout: 120_000 }, () => {
    let t: Topology;
    const spawned: Spawned[] = [];
    const files: string[] = [];

    beforeAll(async () => {
      t = await buildTopology();
    }, 120_000);
    afterAll(async () => {
      // Children of a killed job script would hold its output pipes open: end them first, by pid.
      if (t) {
        const strays = await t.pids('node', WORKER_PROCESS);
        if (strays.length > 0) await killPids(strays, 'SIGKILL');
      }
      for (const s of spawned.reverse()) await s.kill('SIGKILL').catch(() => undefined);
      for (const f of files) await rm(f, { force: true });
      await t?.teardown();
    });

    it('a task result reaches the manager; SIGTERM on the job ends its ssh and workers', async () => {
      const managerPath = join(t.home, `.tnl-manager-${t.id}.py`);
      files.push(managerPath);
      await writeFile(managerPath, MANAGER);
      const manager = await t.spawn('laptop', ['/usr/bin/python3', managerPath]);
      spawned.push(manager);
      const managerPort = Number(/^PORT (\d+)$/m.exec(await manager.waitForOutput(/^PORT \d+$/m, 20_000))![1]);

      const driver = await t.spawn('laptop', [process.execPath, '--input-type=module', '-e', DRIVER], {
        env: {
          TNL_PRESET_INPUT: JSON.stringify({
            via: ['login'],
            port: managerPort,
            sshConfig: t.sshConfigPath,
            batchMode: true,
          }),
        },
      });
      spawned.push(driver);
      const report = JSON.parse(/^RESULT (.*)$/m.exec(await driver.waitForOutput(/^RESULT .*$/m, 60_000))![1]!) as {
        remotePort: number;
        listenerOn: string;
      };
      expect(report.listenerOn).toBe('login');

      const preset = (await findPreset('workqueue')) as ReversePreset;
      const script = renderWorkerScript(preset, await readTemplate('workqueue-worker.sh'), {
        name: 'e2e',
        head: 'login',
        headPort: report.remotePort,
        count: 2,
      });
      const scriptPath = join(t.home, `.tnl-workers-${t.id}.sh`);
      files.push(scriptPath);
      await writeFile(scriptPath, script, { mode: 0o700 });
      const owner = (await t.exec('node', ['id', '-u', t.user])).stdout.trim();
      await chown(scriptPath, Number(owner), Number((await t.exec('node', ['id', '-g', t.user])).stdout.trim()));

      const t0 = Date.now();
      const workers = await t.spawn('node', ['bash', scriptPath], { asUser: true });
      spawned.push(workers);
      const out = await manager.waitForOutput(/^DONE 3$/m, 60_000);
      console.info(
        `e2e workqueue: worker script start on the node -> 3 results on the laptop in ${Date.now() - t0} ms`,
      );
      expect(
        out
          .split('\n')
          .filter((l) => l.startsWith('RESULT'))
          .sort(),
      ).toEqual([0, 1, 2].map((i) => `RESULT 0 task-${i}-on-isolated-node`));

      // The second worker may still be opening its forward when the first has done all three tasks.
      await waitFor(
        async () => (await t.pids('node', WORKER_PROCESS)).length === 4,
        15_000,
        'two ssh forwards and two workers on the node',
      );
      const tree = await t.pids('node', WORKER_PROCESS);
      await workers.kill('SIGTERM');
      for (const pid of tree) expect(await isAlive(pid), `pid ${pid}`).toBe(false);
      expect((await t.exec('node', ['sh', '-c', 'ls -d /tmp/tnl-wq.* 2>/dev/null | wc -l'])).stdout.trim()).toBe('0');
      await driver.kill('SIGTERM');
    });
  });
}
