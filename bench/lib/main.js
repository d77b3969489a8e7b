import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { descendants, killPids } from '../out/harness/proc.js';
import { runColdStart } from '../sections/cold-start.js';
import { runDataPlane } from '../sections/data-plane.js';
import { runConsumers } from '../sections/consumers.js';
import { runRecovery } from '../sections/recovery.js';
import { runScale } from '../sections/scale.js';
import { runTimeToReady } from '../sections/time-to-ready.js';
import { benchConfig } from './config.js';
import { startEnv } from './env.js';
import { describeMachine } from './machine.js';
import { cleanupAll, liveChildren } from './procs.js';
import { writeResults } from './report.js';

const SECTIONS = [
  ['data-plane', runDataPlane],
  ['time-to-ready', runTimeToReady],
  ['recovery', runRecovery],
  ['consumers', runConsumers],
  ['scale', runScale],
  ['cold-start', runColdStart],
];

/** Runs every section (BENCH_ONLY=a,b for some), writes RESULTS.md + results.json; exit code 1 if any failed. */
export async function main(isolation) {
  const cfg = benchConfig(process.env.BENCH_QUICK === '1');
  const only = process.env.BENCH_ONLY?.split(',');
  const outDir =
    process.env.BENCH_OUT ?? fileURLToPath(new URL(cfg.mode === 'quick' ? '../out/' : '../', import.meta.url));
  const started = Date.now();
  const log = (line) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
  const results = { mode: cfg.mode, config: cfg, machine: describeMachine(isolation), sections: [] };
  let failed = false;
  let stopping = false;
  const onSignal = async (signal) => {
    // Ctrl-C reaches us directly and again as SIGTERM through unshare: clean up once, fully.
    if (stopping) return;
    stopping = true;
    log(`${signal}: cleaning up`);
    await cleanupAll();
    process.exit(130);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let env;
  try {
    env = await startEnv(isolation);
    log(`sshds on 127.0.0.1:${env.login.port} (login) and :${env.node.port} (node); ${cfg.mode} mode`);
    for (const [key, run] of SECTIONS) {
      if (only && !only.includes(key)) continue;
      const remaining = cfg.budgetMs - (Date.now() - started);
      const section =
        remaining <= 0
          ? Promise.reject(new Error(`not run: the ${cfg.budgetMs / 60_000} min budget was used up`))
          : withBudget(run(env, cfg, log), remaining, key);
      const measured = await section.catch((error) => {
        failed = true;
        log(`${key} FAILED: ${error.stack ?? error}`);
        return { key, title: key, error: error.message };
      });
      results.sections.push({
        ...measured,
        measuredAt: new Date().toISOString(),
        loadAverage: (await import('node:os')).loadavg().map((x) => Number(x.toFixed(2))),
      });
    }
  } catch (error) {
    failed = true;
    log(`setup FAILED: ${error.stack ?? error}`);
    results.error = error.message;
  } finally {
    await cleanupAll();
    await env?.close();
    results.leftoverProcesses = await killLeftovers();
    log(
      `cleanup done; ${liveChildren()} tracked children left; ${results.leftoverProcesses.length} stray processes killed`,
    );
  }
  results.durationS = Math.round((Date.now() - started) / 1000);
  results.machine.loadAverageAtEnd = (await import('node:os')).loadavg().map((x) => Number(x.toFixed(2)));
  await mkdir(outDir, { recursive: true });
  await writeResults(outDir, only ? await keepOtherSections(outDir, results) : results);
  log(`wrote ${outDir}RESULTS.md and results.json`);
  return failed ? 1 : 0;
}

/**
 * BENCH_ONLY=a,b replaces those sections in the existing results and keeps the others (each section
 * says when it was measured), so re-measuring one question does not throw away the rest.
 */
async function keepOtherSections(outDir, results) {
  const previous = await readFile(`${outDir}results.json`, 'utf8').then(JSON.parse, () => undefined);
  if (!previous?.sections) return results;
  const fresh = new Map(results.sections.map((s) => [s.key, s]));
  const order = SECTIONS.map(([key]) => key);
  const keys = [...new Set([...previous.sections.map((s) => s.key), ...fresh.keys()])].sort(
    (a, b) => order.indexOf(a) - order.indexOf(b),
  );
  const byKey = new Map(
    previous.sections.map((s) => [s.key, { ...s, measuredAt: s.measuredAt ?? previous.machine?.date }]),
  );
  return { ...results, updated: [...fresh.keys()], sections: keys.map((k) => fresh.get(k) ?? byKey.get(k)) };
}

/** Anything still running under this process after cleanup is a bug: record it, then kill it by pid. */
async function killLeftovers() {
  const stray = await descendants(process.pid);
  if (stray.length > 0)
    await killPids(
      stray.map((p) => p.pid),
      'SIGKILL',
    ).catch(() => undefined);
  return stray.map((p) => `${p.pid} ${p.comm}`);
}

function withBudget(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} ran past the run's time budget`)), Math.max(ms, 0));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
