import { sleep, waitFor } from '../out/harness/proc.js';
import { LOGIN } from '../lib/env.js';
import { IMPLS } from '../lib/impls.js';
import { now, probe, waitServing } from '../lib/net-client.js';
import { spawnTracked, stopWithDescendants } from '../lib/procs.js';
import { fmt, fmtSummary, ratio, summarize } from '../lib/stats.js';
import { DEFAULT_BACKOFF } from '../../dist/index.js';

const KEEPALIVE = { interval: 2, count: 2 };
const CONNECT_TIMEOUT = 10;
const RECOVERY_DEADLINE_MS = 60_000;

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
    inject: (env, cfg) =>
      env.setBlackhole(true).then(() => ({
        heal: sleep(cfg.blackholeMs).then(() => env.setBlackhole(false)),
      })),
  },
];

const BUILDERS = {
  /** tunnel: library up(), same keepalive as autossh, default backoff. */
  tunnel: async (env, forward, timeline) => {
    const handle = await IMPLS.tunnel.start(env, {
      to: LOGIN,
      local: [forward],
      keepalive: KEEPALIVE.interval,
      keepaliveCount: KEEPALIVE.count,
      connectTimeout: CONNECT_TIMEOUT,
    });
    handle.tunnel.on('state', (state) => timeline.push([now(), state]));
    return handle;
  },
  /** autossh -M 0 with identical ssh options; AUTOSSH_GATETIME=0 or it gives up on an early death. */
  autossh: async (env, forward) => {
    const args = [
      '-M',
      '0',
      '-F',
      env.sshConfig,
      '-N',
      '-L',
      forward,
      '-o',
      `ServerAliveInterval=${KEEPALIVE.interval}`,
      '-o',
      `ServerAliveCountMax=${KEEPALIVE.count}`,
      '-o',
      `ConnectTimeout=${CONNECT_TIMEOUT}`,
      '-o',
      'ExitOnForwardFailure=yes',
      '-o',
      'BatchMode=yes',
      LOGIN,
    ];
    const child = spawnTracked('autossh', args, {
      stdio: ['ignore', 'ignore', 'ignore'],
      env: { ...process.env, AUTOSSH_GATETIME: '0' },
    });
    return {
      stop: () => stopWithDescendants(child),
    };
  },
};

/** Seconds from a fault to the next answered echo, tunnel vs autossh. */
export async function runRecovery(env, cfg, log) {
  const raw = {};
  for (const fault of FAULTS) {
    raw[fault.key] = { tunnel: [], autossh: [] };
    for (let rep = 0; rep < cfg.recoveryReps; rep += 1) {
      for (const builder of rep % 2 === 0 ? ['tunnel', 'autossh'] : ['autossh', 'tunnel']) {
        const result = await recoverOnce(env, cfg, fault, builder).catch((error) => ({ error: error.message }));
        raw[fault.key][builder].push(result);
        log(`recovery ${fault.key} ${builder} rep ${rep + 1}: ${result.error ?? `${fmt(result.seconds, 2)} s`}`);
      }
    }
  }
  return report(env, cfg, raw);
}

async function recoverOnce(env, cfg, fault, builder) {
  const port = await env.forwardPort();
  const target = { port };
  const timeline = [];
  const handle = await BUILDERS[builder](env, `127.0.0.1:${port}:127.0.0.1:${env.server.port}`, timeline);
  try {
    await waitServing(target, { timeoutMs: 20_000 });
    // The connection must be fully settled (one per-connection sshd) before the fault.
    await waitFor(async () => (await env.sshdChildren()).length > 0, 5000, 'the tunnel connection on sshd');
    await sleep(500);
    const start = now();
    const injected = await fault.inject(env, cfg);
    const seconds = await untilAnswered(target, start);
    await injected?.heal;
    return { seconds, timeline: timeline.map(([t, state]) => [Number(((t - start) / 1000).toFixed(3)), state]) };
  } finally {
    await env.setBlackhole(false);
    await handle.stop();
    // The next run starts from a quiet sshd.
    await waitFor(async () => (await env.sshdChildren()).length === 0, 10_000, 'sshd connections to close').catch(
      async () => env.login.killConnections(),
    );
  }
}

async function untilAnswered(target, start) {
  while (now() - start < RECOVERY_DEADLINE_MS) {
    if (await probe(target, 250)) return (now() - start) / 1000;
    await sleep(25);
  }
  return Number.NaN;
}

function report(env, cfg, raw) {
  const rows = [];
  const summaries = {};
  for (const fault of FAULTS) {
    const title =
      fault.key === 'blackhole' ? `${cfg.blackholeMs / 1000} s blackhole (${env.blackholeKind})` : fault.title;
    const s = Object.fromEntries(
      Object.entries(raw[fault.key]).map(([b, runs]) => [b, summarize(runs.map((r) => r.seconds ?? Number.NaN))]),
    );
    summaries[fault.key] = s;
    const afterHeal = (x) => (fault.key === 'blackhole' ? fmt(x.median - cfg.blackholeMs / 1000, 2) : '—');
    const noticed = summarize(
      raw[fault.key].tunnel.map((r) => r.timeline?.find(([, state]) => state === 'reconnecting')?.[0] ?? Number.NaN),
    );
    rows.push([
      title,
      'tunnel',
      fmtSummary(s.tunnel, 2),
      afterHeal(s.tunnel),
      fmtSummary(noticed, 2),
      fmt(ratio(s.tunnel.median, s.autossh.median), 2),
    ]);
    rows.push([title, 'autossh -M 0', fmtSummary(s.autossh, 2), afterHeal(s.autossh), '—', '—']);
  }
  return {
    key: 'recovery',
    title: '3. Recovery',
    method: [
      `One hop -L. tunnel: library up() with keepalive ${KEEPALIVE.interval} s x ${KEEPALIVE.count}, ConnectTimeout ${CONNECT_TIMEOUT}, default backoff (first retry immediate, then ${DEFAULT_BACKOFF.fastRetries} retries ${DEFAULT_BACKOFF.fastMs} ms apart, then from ${DEFAULT_BACKOFF.initialMs} ms doubling to ${DEFAULT_BACKOFF.maxMs / 1000} s, ± ${DEFAULT_BACKOFF.jitter * 100} %). autossh 1.4: \`AUTOSSH_GATETIME=0 autossh -M 0\` with the same ServerAliveInterval/CountMax, ConnectTimeout, ExitOnForwardFailure and BatchMode.`,
      'Each run starts a fresh tunnel/autossh (so neither carries backoff from an earlier fault), waits for an answer, injects the fault, then probes every 25 ms (250 ms per probe) until an echo comes back; the figure is seconds from injecting the fault to that answer.',
      `Blackhole: ${env.blackholeKind}, lifted after ${cfg.blackholeMs / 1000} s; "after lift" = recovery - ${cfg.blackholeMs / 1000} s.`,
      '"Noticed" is when the Tunnel emitted its reconnecting state (autossh does not say).',
      `${cfg.recoveryReps} run(s) per builder and fault, order alternated. Cells: median (min–max) s. Ratio: tunnel ÷ autossh (lower is better). No target was set; n/a = not answered within ${RECOVERY_DEADLINE_MS / 1000} s.`,
    ],
    tables: [
      {
        head: [
          'fault',
          'supervisor',
          's to first answer',
          's after lift',
          's until tunnel noticed',
          'ratio to autossh',
        ],
        rows,
      },
    ],
    verdicts: [],
    raw: { runs: raw, summaries },
  };
}
