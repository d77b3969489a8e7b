import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { now } from '../lib/net-client.js';
import { fmt, fmtSummary, summarize } from '../lib/stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const TARGET_MS = 150;

/** Wall time of `tunnel --help` (and `tunnel ls` once it exists) next to `node -e 0`. */
export async function runColdStart(env, cfg, log) {
  const commands = { node: ['-e', '0'], help: [CLI, '--help'] };
  if (hasCommand('ls')) commands.ls = [CLI, 'ls'];
  const runs = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let rep = 0; rep < cfg.coldReps; rep += 1) {
    for (const [key, args] of Object.entries(commands)) runs[key].push(timeNode(args));
  }
  const summaries = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, summarize(v)]));
  log(`cold start medians: ${Object.entries(summaries).map(([k, s]) => `${k} ${fmt(s.median, 0)} ms`).join(', ')}`);
  const verdicts = Object.keys(commands).filter((k) => k !== 'node').map((k) => {
    const over = summaries[k].median - summaries.node.median;
    return { what: `\`tunnel ${k === 'help' ? '--help' : k}\` over \`node -e 0\``, target: `< ${TARGET_MS} ms`, measured: `${fmt(over, 0)} ms`, pass: over < TARGET_MS };
  });
  const imports = await importCosts(Math.max(3, Math.round(cfg.coldReps / 4)), summaries.node.median);
  const heavy = imports.filter((i) => i.ms >= 10).slice(0, 4).map((i) => `${i.pkg} ${fmt(i.ms, 0)} ms (from ${i.importedBy})`).join(', ');
  for (const v of verdicts.filter((x) => !x.pass)) v.why = `every command statically imports packages it may not need; imported alone they cost: ${heavy || 'none over 10 ms'}. A dynamic import() inside the commands that use them takes them off the start path.`;
  const names = { node: '`node -e 0`', help: '`tunnel --help`', ls: '`tunnel ls`' };
  return {
    key: 'cold-start',
    title: '5. CLI cold start',
    method: [
      `Wall time of spawnSync(node, ...) from this process, ${cfg.coldReps} runs each, interleaved. \`tunnel ls\` is measured only once the command exists${commands.ls ? '' : ' (it does not yet)'}.`,
      `Target: median over \`node -e 0\` < ${TARGET_MS} ms.`,
      'Import costs: every bare package reachable from dist/cli/main.js through static imports, imported alone (`node --input-type=module -e "await import(PKG)"`), median ms over `node -e 0`. Packages share dependencies, so the costs do not add up exactly.',
    ],
    tables: [
      { head: ['command', 'ms (median, min–max)', '+ms over node', 'ratio to node'], rows: Object.entries(summaries).map(([k, s]) => [names[k], fmtSummary(s, 0), k === 'node' ? '—' : fmt(s.median - summaries.node.median, 0), fmt(s.median / summaries.node.median, 2)]) },
      { title: 'What the CLI imports at start (each package alone, ms over node -e 0)', head: ['package', 'first imported by', 'ms'], rows: imports.map((i) => [i.pkg, i.importedBy, fmt(i.ms, 0)]) },
    ],
    verdicts,
    raw: { runs, summaries, imports },
  };
}

function hasCommand(name) {
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8', timeout: 10_000 }).stdout;
  return new RegExp(`^\\s+${name}\\b`, 'm').test(help);
}

function timeNode(args) {
  const start = now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return now() - start;
}

/** Bare packages reachable through static imports from the CLI entry, with the first dist file importing each. */
async function staticPackages() {
  const found = new Map();
  const seen = new Set();
  const queue = [CLI];
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    for (const match of source.matchAll(/^(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]/gm)) {
      const spec = match[1] ?? match[2];
      if (spec.startsWith('.')) queue.push(join(dirname(file), spec));
      else if (!spec.startsWith('node:') && !found.has(spec)) found.set(spec, relative(ROOT, file));
    }
  }
  return found;
}

/** Each package the CLI loads at start, imported alone: ms over `node -e 0` (medians of `reps`). */
async function importCosts(reps, nodeMs) {
  const costs = [];
  for (const [pkg, importedBy] of await staticPackages()) {
    const runs = [];
    for (let i = 0; i < reps; i += 1) runs.push(timeNode(['--input-type=module', '-e', `await import(${JSON.stringify(pkg)})`]));
    costs.push({ pkg, importedBy, ms: summarize(runs).median - nodeMs });
  }
  return costs.sort((a, b) => b.ms - a.ms);
}
