import { existsSync } from 'node:fs';
import { chown, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPreset, readTemplate, type ReversePreset } from '../../src/presets/index.js';
import { renderWorkerScript } from '../../src/workqueue/worker-script.js';
import { isAlive, killPids, sleep, waitFor } from '../harness/proc.js';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';
import type { Spawned } from '../harness/node-exec.js';

/*
 * Workers that heal themselves, across real isolation: a Work Queue manager on the laptop,
 * `tunnel up workqueue --via login` publishing it on login's loopback, and the rendered worker
 * script on the isolated node (its own ssh -L to login per slot). The worker side is then faulted
 * twice: every sshd session on login is killed (the node's -L and the laptop's -R both drop), and
 * the login<->node link is blackholed for 10 s. Results must keep coming from the SAME worker
 * processes; scancel's SIGTERM must then leave no ssh, no worker and no directory on the node.
 *
 * The head port is explicit (--remote-port): after login's sshd drops the laptop's session, the
 * supervisor re-requests exactly that port, so this test does not depend on how `-R 0` is
 * re-allocated on reconnect (that is the supervisor's "stable -R ports" work).
 */
const can = canBuildTopology();
const WORKER_PROCESS = /^(ssh -N -T -v .* login|work_queue_worker )/;
const HEAD_PORT = 40123;
const dist = fileURLToPath(new URL('../../dist/presets/index.js', import.meta.url));
const ready = existsSync('/usr/bin/work_queue_worker') && existsSync(dist);

const MANAGER = `
import sys, time, work_queue as wq
q = wq.WorkQueue(port=0)
print("PORT", q.port, flush=True)
submitted = done = 0
deadline = time.time() + 170
while time.time() < deadline:
    while submitted - done < 2:
        q.submit(wq.Task("sleep 0.2; echo task-%d-on-$(hostname)" % submitted))
        submitted += 1
    t = q.wait(1)
    if t:
        done += 1
        print("RESULT %.3f %d %s" % (time.time(), t.return_status, t.output.strip()), flush=True)
`;

const DRIVER = `
import { resolvePresetUp, startPreset } from ${JSON.stringify(dist)};
const s = await startPreset(await resolvePresetUp('workqueue', JSON.parse(process.env.TNL_PRESET_INPUT)), { readyTimeoutMs: 30000 });
console.log('RESULT ' + JSON.stringify(s.report.json));
process.once('SIGTERM', async () => { await s.down(); console.log('DOWN'); process.exit(0); });
setInterval(() => undefined, 1000);
`;

/** Unix ms of each task result the manager printed (every one from the isolated node). */
function resultTimes(output: string): number[] {
  return [...output.matchAll(/^RESULT (\d+\.\d+) 0 task-\d+-on-isolated-node$/gm)].map((m) => Number(m[1]) * 1000);
}

if (!can.ok || !ready) {
  const why = can.ok ? `needs work_queue_worker and ${dist} (run npm run build first)` : can.why;
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e workers-heal: ${why}\n${'!'.repeat(72)}\n`);
  it.skip(`workers heal e2e (skipped: ${why})`, () => undefined);
} else {
  describe(
    'workqueue workers heal: sshd kill on login, 10 s blackhole of login<->node, then scancel',
    { timeout: 200_000 },
    () => {
      let t: Topology;
      const spawned: Spawned[] = [];
      const files: string[] = [];

      beforeAll(async () => {
        t = await buildTopology();
      }, 120_000);
      afterAll(async () => {
        if (t) {
          const strays = await t.pids('node', WORKER_PROCESS);
          if (strays.length > 0) await killPids(strays, 'SIGKILL');
        }
        for (const s of spawned.reverse()) await s.kill('SIGKILL').catch(() => undefined);
        for (const f of files) await rm(f, { force: true });
        await t?.teardown();
      });

      it('the same workers keep returning results through both faults; SIGTERM leaves nothing behind', async () => {
        const managerPath = join(t.home, `.tnl-heal-manager-${t.id}.py`);
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
              remotePort: HEAD_PORT,
              sshConfig: t.sshConfigPath,
              batchMode: true,
              keepalive: 2,
            }),
          },
        });
        spawned.push(driver);
        const report = JSON.parse(/^RESULT (.*)$/m.exec(await driver.waitForOutput(/^RESULT .*$/m, 60_000))![1]!) as {
          remotePort: number;
        };
        expect(report.remotePort).toBe(HEAD_PORT);

        const preset = (await findPreset('workqueue')) as ReversePreset;
        const script = renderWorkerScript(preset, await readTemplate('workqueue-worker.sh'), {
          name: 'heal',
          head: 'login',
          headPort: HEAD_PORT,
          count: 2,
        });
        const scriptPath = join(t.home, `.tnl-heal-workers-${t.id}.sh`);
        files.push(scriptPath);
        await writeFile(scriptPath, script, { mode: 0o700 });
        const id = async (flag: string) => Number((await t.exec('node', ['id', flag, t.user])).stdout.trim());
        await chown(scriptPath, await id('-u'), await id('-g'));

        const workers = await t.spawn('node', ['bash', scriptPath], { asUser: true });
        spawned.push(workers);
        const workerPids = async () => (await t.pids('node', /^work_queue_worker /)).sort();
        await waitFor(
          () => resultTimes(manager.output()).length >= 4,
          60_000,
          `4 results; workers said:\n${workers.output()}`,
        );
        await waitFor(async () => (await workerPids()).length === 2, 15_000, 'two workers on the node');
        const before = await workerPids();
        const ports = [...workers.output().matchAll(/forward 127\.0\.0\.1:(\d+) -> localhost:40123 on login is up/g)]
          .map((m) => m[1])
          .sort();
        expect(ports).toHaveLength(2);

        /** Waits for 3 results after `since`; returns ms from `since` to the first. */
        const resultsAfter = async (since: number, what: string): Promise<number> => {
          await waitFor(
            () => resultTimes(manager.output()).filter((r) => r > since).length >= 3,
            60_000,
            `results after ${what}; workers said:\n${workers.output()}`,
          );
          return Math.round(resultTimes(manager.output()).find((r) => r > since)! - since);
        };

        // (a) Every sshd session on login dies: the node's -L forwards and the laptop's -R alike.
        await t.killSshdConnections('login');
        const afterKill = await resultsAfter(Date.now(), 'the sshd kill');
        const back = [...workers.output().matchAll(/forward 127\.0\.0\.1:(\d+) is back after \d+s; worker resumed/g)]
          .map((m) => m[1])
          .sort();
        expect(back).toEqual(ports);
        expect(await workerPids()).toEqual(before);

        // (b) login<->node drops every packet for 10 s (shorter than ssh's 3 x 10 s keepalive, so the forwards may survive).
        await t.blackhole('login-node', true);
        await sleep(10_000);
        await t.blackhole('login-node', false);
        const afterBlackhole = await resultsAfter(Date.now(), 'the blackhole');
        expect(await workerPids()).toEqual(before);
        const reopened = [...workers.output().matchAll(/is back after/g)].length - back.length;
        console.info(
          `e2e workers heal: next task result ${afterKill} ms after login's sshd sessions were killed, ${afterBlackhole} ms after a 10 s login<->node blackhole ended (forwards reopened for it: ${reopened})`,
        );

        // scancel: SIGTERM to the job script.
        const tree = await t.pids('node', WORKER_PROCESS);
        expect(tree.length).toBe(4);
        await workers.kill('SIGTERM');
        await waitFor(
          async () => (await t.pids('node', WORKER_PROCESS)).length === 0,
          10_000,
          'no ssh and no worker left on the node',
        );
        for (const pid of tree) expect(await isAlive(pid), `pid ${pid}`).toBe(false);
        // Neither the script's directories nor work_queue_worker's own workspaces (/tmp/worker-UID-PID).
        expect(
          (await t.exec('node', ['sh', '-c', 'ls -d /tmp/tnl-wq.* /tmp/worker-* 2>/dev/null'])).stdout.trim(),
        ).toBe('');
        await driver.kill('SIGTERM');
      });
    },
  );
}
