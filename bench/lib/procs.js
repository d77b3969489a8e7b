import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { descendants, isAlive, killPids, sleep } from '../out/harness/proc.js';

const live = new Set();
const deferred = [];
let closing = false;

/** spawn() that remembers the child so the run can kill it by pid, whatever happens. */
export function spawnTracked(file, args, options = {}) {
  // Once cleanup has begun, a section still running must not start anything new.
  if (closing) throw new Error(`not starting ${file}: the run is cleaning up`);
  const child = spawn(file, args, options);
  live.add(child);
  child.exitedPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  }).finally(() => live.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the child has exited. */
export async function stopChild(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitedPromise;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await child.exitedPromise;
  } finally {
    clearTimeout(timer);
  }
}

/** Registers an async cleanup (e.g. a Tunnel's down()); returns a function that unregisters it. */
/** Stops a supervisor like autossh and then whatever it started (its ssh) that outlived it. */
export async function stopWithDescendants(child) {
  const tree = (await descendants(child.pid)).map((p) => p.pid);
  await stopChild(child);
  const left = [];
  for (const pid of tree) if (await isAlive(pid)) left.push(pid);
  if (left.length) await killPids(left, 'SIGKILL');
}

export function defer(fn) {
  deferred.push(fn);
  return () => {
    const i = deferred.indexOf(fn);
    if (i >= 0) deferred.splice(i, 1);
  };
}

/** Runs every deferred cleanup (newest first, each bounded), then kills every tracked child. */
export async function cleanupAll(boundMs = 10_000) {
  closing = true;
  for (const fn of deferred.splice(0).reverse()) {
    await Promise.race([
      Promise.resolve()
        .then(fn)
        .catch(() => undefined),
      sleep(boundMs),
    ]);
  }
  await Promise.all([...live].map((child) => stopChild(child, 2000)));
}

export const liveChildren = () => live.size;

/** Resident set size in KiB, from /proc (undefined once the process is gone). */
export async function rssKb(pid) {
  try {
    const match = /VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Proportional set size in KiB: shared pages (libcrypto, the ssh binary) split among the processes sharing them. */
export async function pssKb(pid) {
  try {
    const match = /^Pss:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User + system CPU seconds a process has used so far. */
export async function cpuSeconds(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Lines `ss` prints for a filter, e.g. ['state', 'established', '(', 'dport', '=', ':22', ')']. */
export function ssCount(flags, filter) {
  const result = spawnSync('ss', [flags, ...filter], { encoding: 'utf8', timeout: 5000 });
  if (result.status !== 0) throw new Error(`ss ${flags} ${filter.join(' ')} failed: ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line.trim() !== '').length;
}

/** Client-side established TCP connections to a local port. */
export const connectionsTo = (port) => ssCount('-Htn', ['state', 'established', '(', 'dport', '=', `:${port}`, ')']);

/** TCP listeners on a local port. */
export const listenersOn = (port) => ssCount('-Htln', ['(', 'sport', '=', `:${port}`, ')']);
