import { join } from 'node:path';
import { IMPLS, isTunnelSshInstalled } from '../lib/impls.js';
import { connectAndEcho, roundTrips, streamDownload, waitServing } from '../lib/net-client.js';
import { ROUTES } from '../lib/routes.js';
import { fmt, fmtSummary, quantile, ratio, summarize } from '../lib/stats.js';

const TARGET = 0.97;

/** Throughput and latency through each route, built by tunnel, by hand, and (one hop) by tunnel-ssh. */
export async function runDataPlane(env, cfg, log) {
  const hasTunnelSsh = await isTunnelSshInstalled();
  const routes = ROUTES.filter((r) => !r.needsPrivateHome || env.relay);
  const skipped = ROUTES.filter((r) => !routes.includes(r)).map(
    (r) => `${r.title}: skipped (needs root for a private ~/.ssh; see Method)`,
  );
  const raw = {};
  const direct = { port: env.server.port };
  await streamDownload(direct, cfg.streamBytes); // warm-up: first-run page faults and JIT go here, unrecorded
  raw['plain TCP'] = { direct: await repeat(cfg, log, 'plain TCP', () => measure(direct, cfg)) };
  for (const route of routes) {
    const impls = ['tunnel', 'raw', ...(route.tunnelSsh && hasTunnelSsh ? ['tunnelSsh'] : [])];
    raw[route.key] = Object.fromEntries(impls.map((i) => [i, []]));
    for (let rep = 0; rep < cfg.reps; rep += 1) {
      // Alternate the order so drift on a shared machine does not favour one side.
      for (const impl of rep % 2 === 0 ? impls : [...impls].reverse()) {
        raw[route.key][impl].push(
          await runOnce(env, cfg, route, impl, rep).catch((error) => ({ error: error.message })),
        );
        log(`data ${route.key} ${impl} rep ${rep + 1}/${cfg.reps}: ${describe(raw[route.key][impl].at(-1))}`);
      }
    }
  }
  return report(cfg, routes, raw, skipped, hasTunnelSsh);
}

async function runOnce(env, cfg, route, impl, rep) {
  const f = {
    port: await env.forwardPort(),
    targetPort: env.server.port,
    targetPath: env.server.path,
    mid: join(env.dir, `mid-${route.key}-${rep}-${impl}.sock`),
  };
  const handle =
    impl === 'tunnel'
      ? await IMPLS.tunnel.start(env, route.options(f))
      : impl === 'raw'
        ? await IMPLS.raw.start(env, route.raw(f), { stdinOpen: route.rawStdinOpen })
        : await IMPLS.tunnelSsh.start(env, f);
  try {
    const target = { port: f.port };
    await waitServing(target, { timeoutMs: 20_000, intervalMs: 10 }).catch((e) => {
      throw new Error(`${e.message}; ${handle.stderr?.() ?? ''}`);
    });
    return await measure(target, cfg);
  } finally {
    await handle.stop();
  }
}

async function measure(target, cfg) {
  const mibps = await streamDownload(target, cfg.streamBytes);
  const rtt = await roundTrips(target, cfg.roundTrips);
  const connect = [];
  for (let i = 0; i < cfg.connectTrips; i += 1) connect.push(await connectAndEcho(target, 5000));
  return { mibps, p50: quantile(rtt, 0.5), p99: quantile(rtt, 0.99), connectP50: quantile(connect, 0.5) };
}

async function repeat(cfg, log, what, fn) {
  const runs = [];
  for (let rep = 0; rep < cfg.reps; rep += 1) runs.push(await fn());
  log(`data ${what}: ${runs.map(describe).join(' | ')}`);
  return runs;
}

const describe = (r) =>
  r.error
    ? `ERROR ${r.error}`
    : `${fmt(r.mibps, 0)} MiB/s p50 ${fmt(r.p50, 3)} ms p99 ${fmt(r.p99, 3)} ms conn ${fmt(r.connectP50, 2)} ms`;
const metric = (runs, key) => summarize(runs.map((r) => (r.error ? Number.NaN : r[key])));
const METRICS = [
  ['mibps', 'MiB/s', 0, 'higher'],
  ['p50', 'RTT p50 ms', 3, 'lower'],
  ['p99', 'RTT p99 ms', 3, 'lower'],
  ['connectP50', 'new-conn echo p50 ms', 2, 'lower'],
];
const NAMES = { tunnel: 'tunnel', raw: 'ssh by hand', tunnelSsh: 'tunnel-ssh (npm)', direct: 'no tunnel' };

function report(cfg, routes, raw, skipped, hasTunnelSsh) {
  const summaries = {};
  for (const [key, byImpl] of Object.entries(raw)) {
    summaries[key] = {};
    for (const [impl, runs] of Object.entries(byImpl))
      summaries[key][impl] = Object.fromEntries(METRICS.map(([m]) => [m, metric(runs, m)]));
  }
  const rows = [];
  const verdicts = [];
  for (const [key, byImpl] of Object.entries(summaries)) {
    const title = routes.find((r) => r.key === key)?.title ?? key;
    const base = byImpl.raw;
    for (const [impl, s] of Object.entries(byImpl)) {
      const ratios = METRICS.map(([m]) => (base && impl !== 'raw' ? fmt(ratio(s[m].median, base[m].median), 3) : '—'));
      rows.push([title, NAMES[impl], ...METRICS.map(([m, , d]) => fmtSummary(s[m], d)), ...ratios]);
      if (impl !== 'tunnel' || !base) continue;
      verdicts.push(verdict(`${title}: throughput`, raw[key].tunnel, raw[key].raw, 'mibps', 'higher'));
      verdicts.push(verdict(`${title}: RTT p50`, raw[key].tunnel, raw[key].raw, 'p50', 'lower'));
    }
  }
  return {
    key: 'data-plane',
    title: '1. Data plane',
    method: [
      `Each route is built fresh per run, then: one ${(cfg.streamBytes / 1048576).toFixed(0)} MiB download (server -> client, MiB/s from request to last byte), ${cfg.roundTrips} sequential 64-byte echoes on one connection (after 20 unrecorded), and ${cfg.connectTrips} echoes each on a new connection (connect + echo; each opens a new ssh channel).`,
      `${cfg.reps} runs per builder, order alternated each run. Cells: median (min–max) over runs. Ratio columns: builder ÷ "ssh by hand", medians of this run (throughput: higher is better; times: lower is better).`,
      "Target: throughput ratio >= 0.97 and RTT p50 ratio <= 1/0.97 = 1.031 (the tool costs at most 3 %). The verdicts use the median of paired ratios (each tunnel run ÷ the hand-typed run right next to it), which cancels drift in the machine's load; the table's ratio columns divide the medians.",
      `tunnel-ssh supports only TCP -L on one hop, so it appears there only${hasTunnelSsh ? '' : ' (not installed: `npm i -D tunnel-ssh`)'}. "no tunnel" is the server reached directly, for scale.`,
      ...skipped,
    ],
    tables: [
      {
        head: [
          'route',
          'built by',
          ...METRICS.map(([, label]) => label),
          ...METRICS.map(([, label]) => `ratio ${label}`),
        ],
        rows,
      },
    ],
    verdicts,
    raw: { runs: raw, summaries },
  };
}

/** Judged on paired ratios: each tunnel run ÷ the hand-typed run next to it, which cancels drift in machine load. */
function verdict(what, tunnelRuns, rawRuns, key, better) {
  const pairs = tunnelRuns.map((t, i) => ratio(t[key], rawRuns[i]?.[key])).filter(Number.isFinite);
  const s = summarize(pairs);
  const pass = better === 'higher' ? s.median >= TARGET : s.median <= 1 / TARGET;
  const behind = pairs.filter((r) => (better === 'higher' ? r < 1 : r > 1)).length;
  const range = `paired ratios ${fmt(s.min, 3)}–${fmt(s.max, 3)}`;
  const why = pass
    ? undefined
    : pairs.length === 0
      ? 'no successful pair of runs'
      : behind < pairs.length
        ? `run-to-run noise: the tunnel was ahead of ssh by hand in ${pairs.length - behind} of ${pairs.length} back-to-back pairs (${range}); the bytes go through the same ssh binary either way`
        : `the tunnel was behind ssh by hand in all ${pairs.length} back-to-back pairs (${range})`;
  return {
    what,
    target: better === 'higher' ? 'paired ratio >= 0.97' : 'paired ratio <= 1.031',
    measured: `${fmt(s.median, 3)} (${fmt(s.min, 3)}–${fmt(s.max, 3)})`,
    pass,
    why,
  };
}
