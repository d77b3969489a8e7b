import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { now } from '../lib/net-client.js';
import { fmt, fmtSummary, summarize } from '../lib/stats.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const TARGET_MS = 30;
/** BENCH_BASELINE_CLI=path/to/other/dist/cli/main.js: another build's --help and ls in the same run (before/after; no verdict). */
const BASELINE_CLI = process.env.BENCH_BASELINE_CLI;
const COMMANDS = {
  node: ['-e', '0'],
  version: [CLI, '--version'],
  help: [CLI, '--help'],
  ls: [CLI, 'ls'],
  ...(BASELINE_CLI ? { baselineHelp: [BASELINE_CLI, '--help'], baselineLs: [BASELINE_CLI, 'ls'] } : {}),
};
const NAMES = {
  node: '`node -e 0`',
  version: '`tunnel --version`',
  help: '`tunnel --help`',
  ls: '`tunnel ls`',
  baselineHelp: '`tunnel --help`, baseline build',
  baselineLs: '`tunnel ls`, baseline build',
};

/** Wall time of `tunnel --version`, `--help` and `ls` next to `node -e 0`, interleaved. */
export async function runColdStart(env, cfg, log) {
  const runs = Object.fromEntries(Object.keys(COMMANDS).map((k) => [k, []]));
  for (let rep = 0; rep < cfg.coldReps; rep += 1) {
    for (const [key, args] of Object.entries(COMMANDS)) runs[key].push(timeNode(args));
  }
  const summaries = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, summarize(v)]));
  log(
    `cold start medians: ${Object.entries(summaries)
      .map(([k, s]) => `${k} ${fmt(s.median, 0)} ms`)
      .join(', ')}`,
  );
  const loads = await startLoads();
  const heavy = loads.packages
    .slice(0, 4)
    .map((p) => `${p.name} ${fmt(p.bytes / 1024, 0)} KiB`)
    .join(', ');
  const verdicts = Object.keys(COMMANDS)
    .filter((k) => k !== 'node' && !k.startsWith('baseline'))
    .map((k) => {
      const over = summaries[k].median - summaries.node.median;
      return {
        what: `${NAMES[k]} over \`node -e 0\``,
        target: `< ${TARGET_MS} ms`,
        measured: `${fmt(over, 0)} ms`,
        pass: over < TARGET_MS,
        why: `before any command runs, node loads and compiles ${loads.files} bundled files (${fmt(loads.bytes / 1024, 0)} KiB: ${heavy}) and ${loads.builtins} Node built-in modules they import; Node ${process.versions.node} has no module.enableCompileCache() (22.1+), so nothing compiled is kept between runs. \`node -e 0\` itself took ${fmt(summaries.node.median, 0)} ms here: a loaded machine stretches every start-up cost alike.${baselineNote(k, summaries)}`,
      };
    });
  return {
    key: 'cold-start',
    title: '5. CLI cold start',
    method: [
      `Wall time of spawnSync(node, ...) from this process, ${cfg.coldReps} runs each, interleaved; \`tunnel ls\` with no background tunnel.${BASELINE_CLI ? ` Baseline build: ${BASELINE_CLI}.` : ''}`,
      `Target: median over \`node -e 0\` < ${TARGET_MS} ms.`,
      "What start-up loads: the files dist/cli/main.js imports statically plus its one dynamic import (the command tree, dist/chunks/run-*.js) and everything that imports statically, from esbuild's metafile (dist/meta.json); bytes by package. Commands import their actions on use, so these are the same for --version, --help and ls.",
    ],
    tables: [
      {
        head: ['command', 'ms (median, min–max)', '+ms over node', 'ratio to node'],
        rows: Object.entries(summaries).map(([k, s]) => [
          NAMES[k],
          fmtSummary(s, 0),
          k === 'node' ? '—' : fmt(s.median - summaries.node.median, 0),
          fmt(s.median / summaries.node.median, 2),
        ]),
      },
      {
        title: `What start-up loads: ${loads.files} files, ${fmt(loads.bytes / 1024, 0)} KiB (by package)`,
        head: ['package', 'KiB'],
        rows: loads.packages.map((p) => [p.name, fmt(p.bytes / 1024, 1)]),
      },
    ],
    verdicts,
    raw: { runs, summaries, loads },
  };
}

function baselineNote(key, summaries) {
  const baseline = summaries[{ help: 'baselineHelp', ls: 'baselineLs' }[key]];
  return baseline
    ? ` The baseline build took ${fmt(baseline.median - summaries[key].median, 0)} ms longer in this run.`
    : '';
}

function timeNode(args) {
  const start = now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return now() - start;
}

/** The bundled files every command loads before it runs, from esbuild's metafile. */
export async function startLoads() {
  const meta = JSON.parse(await readFile(join(ROOT, 'dist/meta.json'), 'utf8'));
  const main = 'dist/cli/main.js';
  const commandTree = meta.outputs[main].imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
  const files = new Set();
  const builtins = new Set();
  const queue = [main, ...commandTree];
  while (queue.length > 0) {
    const file = queue.shift();
    if (files.has(file)) continue;
    files.add(file);
    for (const i of meta.outputs[file].imports) {
      if (i.external) builtins.add(i.path.replace(/^node:/, ''));
      else if (i.kind === 'import-statement') queue.push(i.path);
    }
  }
  const byPackage = new Map();
  for (const file of files) {
    for (const [input, { bytesInOutput }] of Object.entries(meta.outputs[file].inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  const packages = [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  return {
    files: files.size,
    bytes: [...files].reduce((sum, f) => sum + meta.outputs[f].bytes, 0),
    builtins: builtins.size,
    packages,
  };
}
