import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isAlive, sleep, waitFor } from '../out/harness/proc.js';
import { LOGIN } from '../lib/env.js';
import { probe } from '../lib/net-client.js';
import { connectionsTo, cpuSeconds, listenersOn, pssKb, rssKb, spawnTracked, stopChild } from '../lib/procs.js';
import { fmt } from '../lib/stats.js';

const HOLDER = fileURLToPath(new URL('../children/scale-holder.js', import.meta.url));
// One line per variant; the multiplexed one joins as soon as the library supports it.
const VARIANTS = [
  { key: 'separate', title: 'one ssh connection per tunnel', extra: {} },
  { key: 'multiplex', title: 'one shared ControlMaster (multiplex: true)', extra: { multiplex: true } },
];

/** N tunnels through one sshd, held by one node process: memory, CPU, connections, up/down time, leftovers. */
export async function runScale(env, cfg, log) {
  const baseline = await bareNode(cfg);
  log(`scale baseline: bare node ${fmt(baseline.rssKb / 1024, 1)} MiB`);
  const raw = { baseline, runs: [] };
  for (const variant of VARIANTS) {
    for (const n of cfg.scaleCounts) {
      const result = await holdMany(env, cfg, variant, n).catch((error) => ({ error: error.message }));
      raw.runs.push({ variant: variant.key, n, ...result });
      log(
        `scale ${variant.key} n=${n}: ${result.error ?? `up ${fmt(result.upMs, 0)} ms, rss ${fmt(result.holderRssKb / 1024, 1)} MiB, conns ${result.connections}, leftovers ${JSON.stringify(result.leftovers)}`}`,
      );
    }
  }
  return report(cfg, raw);
}

async function holdMany(env, cfg, variant, n) {
  const forwards = [];
  const ports = [];
  for (let i = 0; i < n; i += 1) {
    const port = await env.forwardPort();
    ports.push(port);
    forwards.push(`${port}:127.0.0.1:${env.server.port}`);
  }
  const spec = { forwards, sshConfig: env.sshConfig, to: LOGIN, extra: variant.extra };
  const holder = spawnTracked(process.execPath, [HOLDER, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const events = createInterface({ input: holder.stdout });
  const next = (name, timeoutMs) => nextEvent(events, holder, name, timeoutMs);
  try {
    const upEvent = await next('up', 180_000);
    if (upEvent.ok !== n) throw new Error(`${n - upEvent.ok} of ${n} tunnels failed: ${upEvent.errors.join('; ')}`);
    let answering = 0;
    for (const port of ports) answering += (await probe({ port }, 2000)) ? 1 : 0;
    const idle = await measureIdle([holder.pid, ...upEvent.pids], cfg.idleMs);
    const sample = {
      upMs: upEvent.ms,
      answering,
      holderRssKb: await rssKb(holder.pid),
      sshPssKb: await sumPss(upEvent.pids),
      sshdProcesses: (await env.sshdChildren()).length,
      connections: connectionsTo(env.login.port),
      holderCpuPct: idle[0],
      sshCpuPct: idle.slice(1).reduce((a, b) => a + b, 0),
    };
    holder.stdin.write('down\n');
    const downEvent = await next('down', 120_000);
    await stopChild(holder);
    return { ...sample, downMs: downEvent.ms, leftovers: await leftovers(env, upEvent.pids, ports) };
  } finally {
    await stopChild(holder);
  }
}

/** CPU % of each pid over an idle window (100 % = one core). */
async function measureIdle(pids, ms) {
  const before = await Promise.all(pids.map(cpuSeconds));
  await sleep(ms);
  const after = await Promise.all(pids.map(cpuSeconds));
  return pids.map((_, i) => (((after[i] ?? 0) - (before[i] ?? 0)) / (ms / 1000)) * 100);
}

async function sumPss(pids) {
  const values = await Promise.all(pids.map(pssKb));
  return values.reduce((a, b) => a + (b ?? 0), 0);
}

/** What is still there after down(): each must be 0. Bounded waits let sshd notice the close. */
async function leftovers(env, sshPids, ports) {
  const alive = async () => (await Promise.all(sshPids.map(isAlive))).filter(Boolean).length;
  const settle = (fn) =>
    waitFor(async () => (await fn()) === 0, 5000, 'leftovers')
      .catch(() => undefined)
      .then(fn);
  return {
    sshProcesses: await settle(alive),
    sshdProcesses: await settle(async () => (await env.sshdChildren()).length),
    connections: await settle(async () => connectionsTo(env.login.port)),
    listeners: ports.reduce((sum, port) => sum + listenersOn(port), 0),
  };
}

function nextEvent(events, child, name, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${name}' from the holder within ${timeoutMs} ms`)), timeoutMs);
    const onLine = (line) => {
      const event = JSON.parse(line);
      if (event.event !== name) return;
      clearTimeout(timer);
      events.off('line', onLine);
      resolve(event);
    };
    events.on('line', onLine);
    child.once('exit', (code) => reject(new Error(`holder exited ${code} before '${name}'`)));
  });
}

/** RSS and idle CPU of a node process that does nothing: the floor for the supervisor's figures. */
async function bareNode(cfg) {
  const child = spawnTracked(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  try {
    await sleep(500);
    const [cpu] = await measureIdle([child.pid], Math.min(cfg.idleMs, 3000));
    return { rssKb: await rssKb(child.pid), cpuPct: cpu };
  } finally {
    await stopChild(child);
  }
}

function report(cfg, raw) {
  const base = raw.baseline.rssKb;
  const rows = raw.runs.map((r) =>
    r.error
      ? [r.variant, String(r.n), `ERROR: ${r.error.slice(0, 240)}`, '', '', '', '', '', '', '', '']
      : [
          r.variant,
          String(r.n),
          fmt(r.upMs, 0),
          fmt(r.downMs, 0),
          `${r.answering}/${r.n}`,
          `${fmt(r.holderRssKb / 1024, 1)} (${fmt(r.holderRssKb / base, 2)}x node)`,
          fmt(r.holderCpuPct, 2),
          `${fmt(r.sshPssKb / 1024, 1)} / ${fmt(r.sshCpuPct, 2)} %`,
          `${r.connections} (${fmt(r.connections / r.n, 2)}/tunnel)`,
          String(r.sshdProcesses),
          Object.entries(r.leftovers)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        ],
  );
  const verdicts = raw.runs
    .filter((r) => !r.error)
    .map((r) => {
      const total = Object.values(r.leftovers).reduce((a, b) => a + b, 0);
      return {
        what: `${r.variant}, ${r.n} tunnel(s): leftovers after down`,
        target: '0',
        measured: String(total),
        pass: total === 0,
        why: total === 0 ? undefined : JSON.stringify(r.leftovers),
      };
    });
  for (const r of raw.runs.filter((x) => x.error))
    verdicts.push({
      what: `${r.variant}, ${r.n} tunnel(s)`,
      target: 'runs',
      measured: 'error',
      pass: false,
      why: r.error.slice(0, 400),
    });
  return {
    key: 'scale',
    title: '4. Scale',
    method: [
      'One node process (bench/children/scale-holder.js) calls up() N times at once (Promise.all), each a one-hop -L through the same sshd, then holds them. Every forward is checked with one echo.',
      `Idle figures over ${cfg.idleMs / 1000} s after all are up, from /proc: RSS and CPU of the holder (100 % = one core); for the ssh clients, summed PSS (shared pages split among them, so the sum is real memory) and CPU. Baseline in the same run: a bare \`node -e\` process, ${fmt(base / 1024, 1)} MiB RSS, ${fmt(raw.baseline.cpuPct, 2)} % CPU.`,
      'Connections: `ss -tn state established dport = :<sshd port>` (client side). sshd processes: per-connection sshd processes under the listener.',
      'Leftovers after all down() calls resolve (bounded 5 s wait each): ssh client pids still alive, per-connection sshd processes, established connections to sshd, -L listeners still bound. Target: all 0.',
      'sshd runs with MaxStartups 1000:30:1000: the default (10:30:100) randomly drops concurrent unauthenticated connections beyond 10.',
      'Variant multiplex: every tunnel is an ssh -O forward on one shared ControlMaster (started with -f, so it is no child of the holder: its memory is not in the ssh clients column).',
    ],
    tables: [
      {
        head: [
          'variant',
          'N',
          'all up ms',
          'all down ms',
          'answering',
          'holder RSS MiB',
          'holder CPU %',
          'ssh clients PSS MiB / CPU',
          'TCP conns to sshd',
          'sshd procs',
          'leftovers after down',
        ],
        rows,
      },
    ],
    verdicts,
    raw,
  };
}
