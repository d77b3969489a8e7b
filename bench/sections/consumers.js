import { sleep, waitFor } from '../out/harness/proc.js';
import { sshThroughEntry, writeExposeConfig } from '../lib/expose.js';
import { now, probe } from '../lib/net-client.js';
import { REVERSE_BUILDERS } from '../lib/reverse-builders.js';
import { fmt } from '../lib/stats.js';
import { startManager, startWorker, workQueueMissing } from '../lib/workqueue.js';
import { consumersReport } from './consumers-report.js';

// Issue 14: after a fault, when do the *consumers* of `-R 0` ports work again? A Work Queue worker
// and an ssh_config entry keep the port they were given; a forward that comes back on another port
// answers, but not to them. One session carries three -R 0 forwards (echo server, an sshd, a Work
// Queue manager), so every figure of a run comes from the same fault.
const AFTER_FAULT_MS = 20_000;

const FAULTS = [
  { key: 'kill', title: 'per-connection sshd killed (SIGKILL by pid)', inject: (env) => env.login.killConnections() },
  {
    key: 'restart',
    title: 'sshd restarted (listener and connections killed, started again)',
    inject: (env) => env.login.restart(),
  },
  {
    key: 'blackhole',
    title: 'blackhole',
    lastsMs: (cfg) => cfg.blackholeMs,
    inject: (env, cfg) =>
      env.setBlackhole(true).then(() => ({ heal: sleep(cfg.blackholeMs).then(() => env.setBlackhole(false)) })),
  },
];

const ORDER = ['tunnel', 'sshLoop', 'autossh'];

/** Seconds from each fault until the forward answers, a Work Queue task returns, and ssh through the expose entry succeeds. */
export async function runConsumers(env, cfg, log) {
  const wqMissing = workQueueMissing(env);
  if (wqMissing) log(`consumers: Work Queue not measured: ${wqMissing}`);
  const raw = {};
  for (const fault of FAULTS) {
    raw[fault.key] = Object.fromEntries(ORDER.map((b) => [b, []]));
    for (let rep = 0; rep < cfg.consumerReps; rep += 1) {
      // Rotate who goes first, so no builder always follows the same one.
      for (const builder of ORDER.map((_, i) => ORDER[(i + rep) % ORDER.length])) {
        const result = await consumeOnce(env, cfg, fault, builder, !wqMissing).catch((error) => ({
          error: error.message,
        }));
        raw[fault.key][builder].push(result);
        log(
          `consumers ${fault.key} ${builder} rep ${rep + 1}: ${result.error ?? `forward ${fmt(result.forward, 2)} s, Work Queue ${fmt(result.workqueue, 2)} s, ssh ${fmt(result.ssh, 2)} s, ports ${result.before.join(',')} -> ${result.after.join(',')}`}`,
        );
      }
    }
  }
  return consumersReport(env, cfg, { faults: FAULTS, afterFaultMs: AFTER_FAULT_MS, raw, wqMissing });
}

async function consumeOnce(env, cfg, fault, builder, withWorkQueue) {
  const manager = withWorkQueue ? await startManager() : undefined;
  let handle;
  let worker;
  try {
    const targets = [env.server.port, env.node.port, ...(manager ? [manager.port] : [])];
    handle = await REVERSE_BUILDERS[builder].start(env, targets);
    const before = targets.map((_, i) => handle.port(i));
    if (before.some((p) => p === undefined)) throw new Error(`no allocated port for some forward: ${before.join(',')}`);
    const [echoPort, sshPort, wqPort] = before;
    const config = await writeExposeConfig(env, sshPort);
    // Every consumer works before the fault: an echo, an ssh through the entry, a task through a connected worker.
    if (!(await answers(echoPort, now() + 10_000))) throw new Error(`port ${echoPort} never answered`);
    if (Number.isNaN(await untilTrue(() => sshThroughEntry(config), now(), now() + 15_000)))
      throw new Error('ssh through the expose entry never worked');
    if (manager) {
      worker = await startWorker(env.dir, wqPort);
      if (Number.isNaN(await manager.submit(now() + 20_000)))
        throw new Error('the first Work Queue task never returned');
    }
    await waitFor(async () => (await env.sshdChildren()).length > 0, 5000, 'the tunnel connection on sshd');
    await sleep(500);

    const start = now();
    const injected = await fault.inject(env, cfg);
    const deadline = start + (fault.lastsMs?.(cfg) ?? 0) + AFTER_FAULT_MS;
    const [forward, ssh, workqueue] = await Promise.all([
      untilForward(handle, echoPort, start, deadline),
      untilTrue(() => sshThroughEntry(config, Math.min(8000, Math.max(deadline - now(), 1))), start, deadline),
      manager ? manager.submit(deadline).then((at) => (at - start) / 1000) : undefined,
    ]);
    await injected?.heal;
    return { forward, workqueue, ssh, before, after: targets.map((_, i) => handle.port(i)) };
  } finally {
    await env.setBlackhole(false);
    await worker?.stop();
    await handle?.stop();
    await manager?.stop();
    // The next run starts from a quiet sshd (after a blackhole the old session may not know its client is gone).
    await waitFor(async () => (await env.sshdChildren()).length === 0, 10_000, 'sshd connections to close').catch(() =>
      env.login.killConnections(),
    );
  }
}

/** The forward may come back on another port: probe whatever port the supervisor reports now. */
async function untilForward(handle, before, start, deadline) {
  while (now() < deadline) {
    const current = handle.port(0);
    if (current !== undefined && (current !== before || now() - start > 300) && (await probe({ port: current }, 250)))
      return (now() - start) / 1000;
    await sleep(25);
  }
  return Number.NaN;
}

/** Seconds from start until check() first resolves true (checks 100 ms apart), or NaN at the deadline. */
async function untilTrue(check, start, deadline) {
  while (now() < deadline) {
    if (await check()) return (now() - start) / 1000;
    await sleep(100);
  }
  return Number.NaN;
}

async function answers(port, deadline) {
  while (now() < deadline) {
    if (await probe({ port }, 250)) return true;
    await sleep(50);
  }
  return false;
}
