import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { cmdline, isAlive, killPids } from './proc.js';

/** Parent of per-run dirs holding mount/uts namespace files, sshd configs and keys (outside /tmp,
 *  which the nodes replace with their own). */
export const TOPO_ROOT = '/run/tnl-topo';
const STALE_ID = /^tnl(\d+)[a-z]$/;

export async function run(file: string, args: string[], input?: string): Promise<string> {
  const r = await execa(file, args, {
    reject: false,
    timeout: 20_000,
    ...(input === undefined ? { stdin: 'ignore' } : { input }),
  });
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.exitCode ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

export async function addNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'add', name]);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

/** Creates the veth pair directly inside both namespaces, so interface names never clash across runs. */
export async function addLink(
  a: { ns: string; ifname: string; cidr: string },
  b: { ns: string; ifname: string; cidr: string },
): Promise<void> {
  await run('ip', ['-n', a.ns, 'link', 'add', a.ifname, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.ns]);
  for (const end of [a, b]) {
    await run('ip', ['-n', end.ns, 'addr', 'add', end.cidr, 'dev', end.ifname]);
    await run('ip', ['-n', end.ns, 'link', 'set', end.ifname, 'up']);
  }
}

export async function netnsPids(ns: string): Promise<number[]> {
  const r = await execa('ip', ['netns', 'pids', ns], { reject: false, stdin: 'ignore', timeout: 10_000 });
  return r.exitCode === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}

export async function netnsPidsMatching(ns: string, pattern: RegExp): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await netnsPids(ns)) {
    const cmd = await cmdline(pid);
    if (cmd !== undefined && (await isAlive(pid)) && pattern.test(cmd)) out.push(pid);
  }
  return out;
}

/** Repeats until empty: a process (e.g. an sshd listener) may fork between listing and killing. */
export async function killNetnsProcesses(ns: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let pids = await netnsPids(ns); pids.length > 0; pids = await netnsPids(ns)) {
    if (Date.now() > deadline) throw new Error(`processes left in netns ${ns}: ${pids.join(' ')}`);
    await killPids(pids, 'SIGKILL');
  }
}

export async function killNetns(ns: string): Promise<void> {
  await killNetnsProcesses(ns);
  await execa('ip', ['netns', 'del', ns], { reject: false, stdin: 'ignore', timeout: 10_000 });
}

export interface NodeNs {
  mnt: string;
  uts: string;
}

/** A persistent mount+uts namespace with a private tmpfs /tmp. unshare bind-mounts the namespace files
 *  into the parent's mount table, which only works when their directory is a private mount. */
export async function addMountNs(dir: string, name: string, hostname: string): Promise<NodeNs> {
  const ns = { mnt: join(dir, `${name}.mnt`), uts: join(dir, `${name}.uts`) };
  await writeFile(ns.mnt, '');
  await writeFile(ns.uts, '');
  await run('unshare', [
    `--mount=${ns.mnt}`,
    `--uts=${ns.uts}`,
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    'mount -t tmpfs -o mode=1777,size=64m tnl-tmp /tmp && hostname "$1"',
    'sh',
    hostname,
  ]);
  return ns;
}

export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await run('mount', ['--bind', dir, dir]);
  await run('mount', ['--make-private', dir]);
}

/** Lazy unmounts: a namespace file stays busy while nsenter'd processes are still exiting. */
export async function unmountQuiet(...paths: string[]): Promise<void> {
  for (const p of paths) await execa('umount', ['-l', p], { reject: false, stdin: 'ignore', timeout: 10_000 });
}

/** Silent loss at both ends, like dead Wi-Fi: prerouting drop yields no RST and no ICMP.
 *  (No sch_netem on these kernels, and `link down` would fail loudly with ENETUNREACH.) */
export async function setBlackhole(ends: { ns: string; ifname: string }[], table: string, on: boolean): Promise<void> {
  for (const end of ends) {
    // add+delete first makes both directions idempotent.
    const script = [`add table inet ${table}`, `delete table inet ${table}`];
    if (on) {
      script.push(
        `table inet ${table} {`,
        '  chain pre {',
        '    type filter hook prerouting priority -300; policy accept;',
        `    iifname "${end.ifname}" drop`,
        '  }',
        '}',
      );
    }
    await run('ip', ['netns', 'exec', end.ns, 'nft', '-f', '-'], `${script.join('\n')}\n`);
  }
}

/** Best effort: namespaces and dirs left by runs whose process has died (crash, SIGKILL). */
export async function cleanupStale(): Promise<void> {
  const list = await execa('ip', ['netns', 'list'], { reject: false, stdin: 'ignore', timeout: 10_000 });
  for (const line of list.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^(tnl\d+[a-z])-(laptop|login|node)$/.exec(name);
    if (m?.[1] && (await isStale(m[1]))) await killNetns(name);
  }
  const dirs = await readdir(TOPO_ROOT).catch(() => [] as string[]);
  for (const id of dirs) {
    if (!(await isStale(id))) continue;
    const dir = join(TOPO_ROOT, id);
    const nsFiles = ['login', 'node'].flatMap((n) => [join(dir, `${n}.mnt`), join(dir, `${n}.uts`)]);
    await unmountQuiet(...nsFiles, dir);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Ids of other topologies (this process or another) that have not been torn down. */
export async function otherLiveTopologies(self: string): Promise<string[]> {
  const ids = (await readdir(TOPO_ROOT).catch(() => [] as string[])).filter((n) => STALE_ID.test(n) && n !== self);
  const live: string[] = [];
  for (const id of ids) if (!(await isStale(id))) live.push(id);
  return live;
}

async function isStale(id: string): Promise<boolean> {
  const pid = Number(STALE_ID.exec(id)?.[1] ?? NaN);
  return Number.isInteger(pid) && pid !== process.pid && !(await isAlive(pid));
}
