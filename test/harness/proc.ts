import { readFile, readdir } from 'node:fs/promises';
import net from 'node:net';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  state: string;
}

/** Parses /proc/PID/stat; comm may contain spaces and parens, so split at the last ')'. */
async function readStat(pid: number): Promise<ProcInfo | undefined> {
  try {
    const s = await readFile(`/proc/${pid}/stat`, 'utf8');
    const open = s.indexOf('(');
    const close = s.lastIndexOf(')');
    const rest = s.slice(close + 2).split(' ');
    return { pid, comm: s.slice(open + 1, close), state: rest[0] ?? '?', ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

export async function listProcs(): Promise<ProcInfo[]> {
  const names = await readdir('/proc');
  const infos = await Promise.all(names.filter((n) => /^\d+$/.test(n)).map((n) => readStat(Number(n))));
  return infos.filter((p): p is ProcInfo => p !== undefined && p.state !== 'Z');
}

/** All live descendants of root (not root itself), found by walking ppid links. */
export async function descendants(root: number): Promise<ProcInfo[]> {
  const procs = await listProcs();
  const found: ProcInfo[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop();
    for (const p of procs) {
      if (p.ppid === parent) {
        found.push(p);
        frontier.push(p.pid);
      }
    }
  }
  return found;
}

/** Zombies count as dead: they hold no sockets and may never be reaped by a parent we do not own. */
export async function isAlive(pid: number): Promise<boolean> {
  const st = await readStat(pid);
  return st !== undefined && st.state !== 'Z';
}

export async function cmdline(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** Command lines of a process's ancestors, nearest first (no pid namespaces: /proc here sees every node's processes). */
export async function ancestors(pid: number): Promise<string[]> {
  const out: string[] = [];
  for (let p = pid; p > 1;) {
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? 0);
    if (p > 1) out.push((await cmdline(p)) ?? '');
  }
  return out;
}

export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Sends sig, escalates to SIGKILL after graceMs, and resolves once every pid is gone (bounded). */
export async function killPids(pids: number[], sig: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
  for (const pid of pids) signal(pid, sig);
  const allGone = async () => (await Promise.all(pids.map(isAlive))).every((a) => !a);
  try {
    await waitFor(allGone, graceMs, `pids ${pids.join(',')} to exit`);
  } catch {
    for (const pid of pids) signal(pid, 'SIGKILL');
    await waitFor(allGone, 3000, `pids ${pids.join(',')} to die after SIGKILL`);
  }
}

/**
 * SIGSTOPs matching descendants of root (and root itself if asked) until a rescan finds nothing new.
 * A stopped process cannot fork, so the set is then complete. Killing from a single snapshot is racy:
 * sshd's monitor forks its post-auth child right after logging "Accepted publickey", and that child
 * keeps the connection alive if its monitor dies first (it is reparented away from the listener).
 */
export async function freezeTree(
  root: number,
  match: (p: ProcInfo) => boolean,
  includeRoot = false,
  timeoutMs = 3000,
): Promise<number[]> {
  const frozen = new Set<number>();
  const stop = (pid: number) => {
    signal(pid, 'SIGSTOP');
    frozen.add(pid);
  };
  if (includeRoot && (await isAlive(root))) stop(root);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const settled = async () =>
      (await Promise.all([...frozen].map(readStat))).every(
        (st) => st === undefined || st.state === 'T' || st.state === 'Z',
      );
    await waitFor(settled, Math.max(0, deadline - Date.now()), 'processes to stop').catch(() => undefined);
    const fresh = (await descendants(root)).filter((p) => match(p) && !frozen.has(p.pid));
    if (fresh.length === 0 || Date.now() > deadline) return [...frozen];
    fresh.forEach((p) => stop(p.pid));
  }
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function tcpProbe(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export async function tail(path: string, lines = 30): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch (e) {
    return `(cannot read ${path}: ${(e as Error).message})`;
  }
}
