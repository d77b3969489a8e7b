import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { now } from './net-client.js';
import { spawnTracked, stopChild, stopWithDescendants } from './procs.js';

// Debian's python3-workqueue installs into the system Python; a pyenv shim on PATH would not see it.
const PYTHON = '/usr/bin/python3';
const WORKER = '/usr/bin/work_queue_worker';
const MANAGER = fileURLToPath(new URL('../children/wq-manager.py', import.meta.url));

/** Why Work Queue cannot be measured here, or undefined if it can. */
export function workQueueMissing(env) {
  if (!existsSync(WORKER) || !existsSync('/usr/lib/python3/dist-packages/work_queue.py'))
    return 'needs cctools Work Queue (coop-computing-tools, python3-workqueue)';
  // A Work Queue manager listens on every interface: only the bench's private namespace is loopback-only.
  if (!env.isolated)
    return 'the Work Queue manager binds every interface, so it runs only in the private network namespace (as root)';
  return undefined;
}

/**
 * A manager on this side (children/wq-manager.py). submit(tag) queues `echo TAG` and resolves with
 * the now() time its result arrived, or NaN at the deadline (the task stays queued).
 */
export async function startManager() {
  const child = spawnTracked(PYTHON, [MANAGER], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  const waiting = new Map();
  let portLine;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const port = /^PORT (\d+)$/.exec(line);
    if (port) portLine?.(Number(port[1]));
    const result = /^RESULT (\S+) (\d+) (.*)$/.exec(line);
    if (result && result[2] === '0' && result[3] === result[1]) waiting.get(result[1])?.(now());
  });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Work Queue manager did not print its port in 10 s: ${stderr}`)),
      10_000,
    );
    portLine = (p) => {
      clearTimeout(timer);
      resolve(p);
    };
    child.once('exit', (code) => reject(new Error(`Work Queue manager exited ${code}: ${stderr}`)));
  });
  let counter = 0;
  return {
    port,
    submit(deadline) {
      const tag = `t${++counter}`;
      const result = new Promise((resolve) => {
        const timer = setTimeout(() => resolve(Number.NaN), Math.max(deadline - now(), 0));
        waiting.set(tag, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      }).finally(() => waiting.delete(tag));
      child.stdin.write(`${tag}\n`);
      return result;
    },
    stop: () => {
      child.stdin.end();
      return stopChild(child, 2000);
    },
  };
}

/**
 * One work_queue_worker that reaches the manager at 127.0.0.1:port (the -R listener on the far
 * side) and keeps running across faults; default backoff (1 s doubling to 60 s) between reconnects.
 */
export async function startWorker(dir, port) {
  const workdir = join(dir, `wq-worker-${port}`);
  await mkdir(workdir, { recursive: true, mode: 0o700 });
  const child = spawnTracked(WORKER, ['-s', workdir, '127.0.0.1', String(port)], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  return { stop: () => stopWithDescendants(child) };
}
