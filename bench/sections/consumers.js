import { sleep } from '../out/harness/proc.js';
import { LOGIN } from '../lib/env.js';
import { IMPLS } from '../lib/impls.js';
import { now, probe } from '../lib/net-client.js';
import { spawnTracked, stopWithDescendants } from '../lib/procs.js';
import { fmt, fmtSummary, summarize } from '../lib/stats.js';

// Issue 14: after a fault, when does a *consumer* of a `-R 0` port work again? Workers, pvserver
// and an ssh_config entry keep the port they were given; a forward that comes back on another
// port answers, but not to them.
const KEEPALIVE = { interval: 2, count: 2 };
const DEADLINE_MS = 30_000;

const FAULTS = [
  { key: 'kill', title: 'per-connection sshd killed (SIGKILL by pid)', inject: (env) => env.login.killConnections() },
  { key: 'restart', title: 'sshd restarted (listener and connections killed, started again)', inject: (env) => env.login.restart() },
];

const BUILDERS = {
  /** tunnel: library up() with -R 0; the port it reports is the one it pins. */
  tunnel: async (env) => {
    const handle = await IMPLS.tunnel.start(env, { to: LOGIN, remote: [`0:127.0.0.1:${env.server.port}`], keepalive: KEEPALIVE.interval, keepaliveCount: KEEPALIVE.count, connectTimeout: 10 }, { healthIntervalMs: 0 });
    return { port: () => handle.tunnel.forwards()[0]?.allocatedPort, stop: handle.stop };
  },
  /** autossh -M 0 with the same -R 0: each reconnect prints the port the server picked this time. */
  autossh: async (env) => {
    const args = ['-M', '0', '-F', env.sshConfig, '-N', '-R', `0:127.0.0.1:${env.server.port}`,
      '-o', `ServerAliveInterval=${KEEPALIVE.interval}`, '-o', `ServerAliveCountMax=${KEEPALIVE.count}`,
      '-o', 'ConnectTimeout=10', '-o', 'ExitOnForwardFailure=yes', '-o', 'BatchMode=yes', LOGIN];
    const child = spawnTracked('autossh', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AUTOSSH_GATETIME: '0' } });
    let port;
    child.stderr.on('data', (chunk) => {
      for (const m of String(chunk).matchAll(/Allocated port (\d+) for remote forward/g)) port = Number(m[1]);
    });
    const deadline = now() + 15_000;
    while (port === undefined && now() < deadline) await sleep(25);
    return {
      port: () => port,
      stop: () => stopWithDescendants(child),
    };
  },
};

/** Seconds from the fault until the forward answers (on whatever port) and until the original port does. */
export async function runConsumers(env, cfg, log) {
  const raw = {};
  for (const fault of FAULTS) {
    raw[fault.key] = { tunnel: [], autossh: [] };
    for (let rep = 0; rep < cfg.recoveryReps; rep += 1) {
      for (const builder of rep % 2 === 0 ? ['tunnel', 'autossh'] : ['autossh', 'tunnel']) {
        const result = await consumeOnce(env, fault, builder).catch((error) => ({ error: error.message }));
        raw[fault.key][builder].push(result);
        log(`consumers ${fault.key} ${builder} rep ${rep + 1}: ${result.error ?? `forward ${fmt(result.forward, 2)} s, consumer ${fmt(result.consumer, 2)} s, port ${result.before} -> ${result.after}`}`);
      }
    }
  }
  return report(cfg, raw);
}

async function consumeOnce(env, fault, builder) {
  const handle = await BUILDERS[builder](env);
  try {
    const before = handle.port();
    if (before === undefined) throw new Error('no allocated port');
    if (!(await answers(before, now() + 10_000))) throw new Error(`port ${before} never answered`);
    await sleep(500);
    const start = now();
    await fault.inject(env);
    // The forward may come back elsewhere: poll whatever port the builder reports now.
    let forward = Number.NaN;
    let consumer = Number.NaN;
    while (now() - start < DEADLINE_MS && (Number.isNaN(forward) || Number.isNaN(consumer))) {
      const current = handle.port();
      if (Number.isNaN(forward) && current !== undefined && (current !== before || now() - start > 300) && (await probe({ port: current }, 250))) forward = (now() - start) / 1000;
      if (Number.isNaN(consumer) && (await probe({ port: before }, 250))) consumer = (now() - start) / 1000;
      await sleep(25);
    }
    return { forward, consumer, before, after: handle.port() };
  } finally {
    await handle.stop();
    await sleep(300);
  }
}

async function answers(port, deadline) {
  while (now() < deadline) {
    if (await probe({ port }, 250)) return true;
    await sleep(50);
  }
  return false;
}

function report(cfg, raw) {
  const rows = [];
  for (const fault of FAULTS) {
    for (const [builder, label] of [['tunnel', 'tunnel'], ['autossh', 'autossh -M 0']]) {
      const runs = raw[fault.key][builder];
      const forward = summarize(runs.map((r) => r.forward ?? Number.NaN));
      const consumer = summarize(runs.map((r) => r.consumer ?? Number.NaN));
      const kept = runs.filter((r) => r.before !== undefined && r.before === r.after).length;
      rows.push([fault.title, label, fmtSummary(forward, 2), fmtSummary(consumer, 2), `${kept}/${runs.length}`]);
    }
  }
  return {
    key: 'consumers',
    title: '3b. Recovery as consumers see it (-R 0)',
    method: [
      `One hop -R 0 to the bench server, keepalive ${KEEPALIVE.interval} s x ${KEEPALIVE.count}. A consumer (a Work Queue worker, pvserver, an ssh through the expose entry) keeps the port it was first given.`,
      '"forward answers" is seconds from the fault until an echo comes back through the port the supervisor reports now; "consumer works" is until the port first allocated answers again.',
      `tunnel pins the first allocated port and asks for it again on reconnect; autossh -M 0 re-runs ssh -R 0, so the server picks a new port each time. n/a = not within ${DEADLINE_MS / 1000} s. ${cfg.recoveryReps} run(s) per builder and fault, order alternated.`,
    ],
    tables: [{ head: ['fault', 'supervisor', 's until the forward answers', 's until the consumer works', 'same port after'], rows }],
    verdicts: [],
    raw: { runs: raw },
  };
}
