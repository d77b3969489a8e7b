import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LOGIN, NODE } from '../lib/env.js';
import { IMPLS, isTunnelSshInstalled } from '../lib/impls.js';
import { now, waitServing } from '../lib/net-client.js';
import { spawnTracked, stopChild } from '../lib/procs.js';
import { fmt, fmtSummary, summarize } from '../lib/stats.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
/** BENCH_BASELINE_CLI=path/to/other/dist/cli/main.js: another build's CLI, measured in the same run (before/after). */
const BASELINE_CLI = process.env.BENCH_BASELINE_CLI;
const TARGET_MS = 80;
const HOPS = [
  { key: 'one-hop', title: 'one hop', cli: [`--to=${LOGIN}`], options: { to: LOGIN }, raw: [LOGIN] },
  {
    key: 'two-hops',
    title: 'two hops (-J)',
    cli: [`--via=${LOGIN}`, `--to=${NODE}`, '--strategy=jump'],
    options: { via: LOGIN, to: NODE, strategy: 'jump' },
    raw: ['-J', LOGIN, NODE],
  },
];

/** Command start -> first echo answered through the forward, cold (no master, new process). */
export async function runTimeToReady(env, cfg, log) {
  const hasTunnelSsh = await isTunnelSshInstalled();
  const raw = {};
  for (const hop of HOPS) {
    const builders = [
      'raw',
      'cli',
      ...(BASELINE_CLI ? ['cliBaseline'] : []),
      'library',
      ...(hop.key === 'one-hop' && hasTunnelSsh ? ['tunnelSsh'] : []),
    ];
    raw[hop.key] = Object.fromEntries(builders.map((b) => [b, []]));
    for (let rep = 0; rep < cfg.readyReps; rep += 1) {
      for (const builder of rep % 2 === 0 ? builders : [...builders].reverse()) {
        const result = await timeOnce(env, hop, builder).catch((error) => ({ error: error.message }));
        raw[hop.key][builder].push(result);
        log(`ready ${hop.key} ${builder} rep ${rep + 1}: ${result.error ?? `${fmt(result.ms, 0)} ms`}`);
      }
    }
  }
  raw.cliStart = startMs([CLI, 'up', '--help'], Math.max(3, Math.round(cfg.readyReps / 2)));
  raw.nodeStart = startMs(['-e', '0'], Math.max(3, Math.round(cfg.readyReps / 2)));
  return report(cfg, raw);
}

/** Wall time of `node ARGS`: `tunnel up --help` is the CLI's fixed cost before it calls up(). */
function startMs(args, reps) {
  const runs = [];
  for (let i = 0; i < reps; i += 1) {
    const start = now();
    spawnSync(process.execPath, args, { stdio: 'ignore', timeout: 10_000 });
    runs.push(now() - start);
  }
  return summarize(runs);
}

async function timeOnce(env, hop, builder) {
  const port = await env.forwardPort();
  const forward = `127.0.0.1:${port}:127.0.0.1:${env.server.port}`;
  const target = { port };
  const start = now();
  if (builder === 'library') {
    const handle = await IMPLS.tunnel.start(env, { ...hop.options, local: [`${port}:127.0.0.1:${env.server.port}`] });
    const resolved = now();
    try {
      return { ms: (await waitServing(target, { timeoutMs: 10_000 })) - start, readyMs: resolved - start };
    } finally {
      await handle.stop();
    }
  }
  if (builder === 'tunnelSsh') {
    const handle = await IMPLS.tunnelSsh.start(env, { port, targetPort: env.server.port });
    try {
      return { ms: (await waitServing(target, { timeoutMs: 10_000 })) - start };
    } finally {
      await handle.stop();
    }
  }
  const child =
    builder === 'raw'
      ? spawnTracked('ssh', ['-F', env.sshConfig, '-N', '-L', forward, ...hop.raw], {
          stdio: ['ignore', 'ignore', 'ignore'],
        })
      : spawnTracked(
          process.execPath,
          [
            builder === 'cli' ? CLI : BASELINE_CLI,
            'up',
            ...hop.cli,
            `--local=${forward}`,
            `--ssh-config=${env.sshConfig}`,
            '--batch',
            '--json',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
  try {
    // A person polls a hand-typed ssh; the CLI says when it is ready, then the first request goes out.
    const printedAt = builder === 'raw' ? undefined : await firstLine(child, 15_000);
    const okAt = await waitServing(target, { timeoutMs: 15_000 });
    return { ms: okAt - start, ...(printedAt ? { readyMs: printedAt - start } : {}) };
  } finally {
    await stopChild(child);
  }
}

function firstLine(child, timeoutMs) {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => reject(new Error(`no JSON within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      JSON.parse(line);
      resolve(now());
    });
    child.once('exit', (code) => reject(new Error(`tunnel up exited ${code}: ${stderr}`)));
  });
}

const NAMES = {
  raw: 'ssh -N -L by hand + polling',
  cli: '`tunnel up --json` (CLI)',
  cliBaseline: '`tunnel up --json`, baseline build (BENCH_BASELINE_CLI)',
  library: 'library up()',
  tunnelSsh: 'tunnel-ssh (npm)',
};

function report(cfg, raw) {
  const rows = [];
  const verdicts = [];
  const summaries = {};
  for (const hop of HOPS) {
    const byBuilder = raw[hop.key];
    summaries[hop.key] = Object.fromEntries(
      Object.entries(byBuilder).map(([b, runs]) => [b, summarize(runs.map((r) => r.ms ?? Number.NaN))]),
    );
    const base = summaries[hop.key].raw;
    for (const [builder, s] of Object.entries(summaries[hop.key])) {
      const ready = summarize(byBuilder[builder].map((r) => r.readyMs ?? Number.NaN));
      const diff = s.median - base.median;
      rows.push([
        hop.title,
        NAMES[builder],
        fmtSummary(s, 0),
        ready.n ? fmtSummary(ready, 0) : '—',
        builder === 'raw' ? '—' : fmt(diff, 0),
        builder === 'raw' ? '—' : fmt(s.median / base.median, 2),
      ]);
    }
    const cli = summaries[hop.key].cli;
    const lib = summaries[hop.key].library;
    const diff = cli.median - base.median;
    const firstError = byBuilder.cli.find((r) => r.error)?.error.split('\n')[0];
    verdicts.push({
      what: `${hop.title}: \`tunnel up\` vs ssh by hand`,
      target: `<= +${TARGET_MS} ms`,
      measured: cli.n ? `${fmt(diff, 0)} ms` : 'error',
      pass: diff <= TARGET_MS,
      why:
        diff <= TARGET_MS
          ? undefined
          : cli.n === 0
            ? `every CLI run failed: ${firstError}`
            : `the library itself is ${fmt(lib.median - base.median, 0)} ms from ssh by hand; the CLI takes ${fmt(cli.median - lib.median, 0)} ms longer than the library in-process. Of that, \`tunnel up --help\` (node start, the command tree, flag parsing; no ssh) accounts for ${fmt(raw.cliStart.median, 0)} ms (\`node -e 0\`: ${fmt(raw.nodeStart.median, 0)} ms), and ${fmt(cli.median - lib.median - raw.cliStart.median, 0)} ms is spent in \`tunnel up\` outside start-up and up(): loading the up chunk (execa and the supervisor) and printing. Section 5 lists what start-up loads.${summaries[hop.key].cliBaseline ? ` The baseline build's CLI took ${fmt(summaries[hop.key].cliBaseline.median - cli.median, 0)} ms longer than this one in this run.` : ''}`,
    });
  }
  return {
    key: 'time-to-ready',
    title: '2. Time to ready',
    method: [
      'From spawning the command to the first 64-byte echo answered through the new forward. Every run is cold: a new ssh process and a new TCP+SSH handshake (no ControlMaster).',
      'By hand: `ssh -F cfg -N -L ...` then polling the local port every 5 ms. CLI: `node dist/cli/main.js up ... --json`, first echo sent once the JSON line is printed. Library: `await up()` in this process (no node start).',
      `${cfg.readyReps} runs per builder, order alternated. Cells: median (min–max) ms. "printed/resolved" is when the builder said it was ready.${BASELINE_CLI ? ` Baseline build: ${BASELINE_CLI}.` : ''}`,
      `Target: the CLI within ${TARGET_MS} ms of ssh by hand (median difference). For scale: \`tunnel up --help\` (start-up only, no ssh) took ${fmtSummary(raw.cliStart, 0)} ms, \`node -e 0\` ${fmtSummary(raw.nodeStart, 0)} ms.`,
    ],
    tables: [
      { head: ['route', 'built by', 'ms to first answer', 'ms to printed/resolved', '+ms vs by hand', 'ratio'], rows },
    ],
    verdicts,
    raw: { runs: raw, summaries },
  };
}
