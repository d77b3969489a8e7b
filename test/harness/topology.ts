import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clearClusterSsh, ensureClusterUser, writeClusterSsh } from './cluster-user.js';
import { copyKey, ensureIdentity } from './identity.js';
import * as ns from './netns.js';
import { execIn, spawnIn, type ExecOptions, type ExecResult, type SpawnOptions, type Spawned } from './node-exec.js';
import { runSshd, sshdConfig, type SshdRunner } from './sshd-process.js';

export type NodeName = 'laptop' | 'login' | 'node';
export type ClusterNode = 'login' | 'node';
export type Link = 'laptop-login' | 'login-node';

export interface Topology {
  id: string;
  /** This run's private directory (outside /tmp, visible from every node): configs, keys, state. */
  dir: string;
  user: string;
  home: string;
  addr: { login: string; node: string; loginFromNode: string; laptop: string };
  sshConfigPath: string;
  laptopKeyPath: string;
  /** Each cluster sshd's log (LogLevel VERBOSE): who authenticated, how, when. */
  sshdLogPath: Record<ClusterNode, string>;
  exec(node: NodeName, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  spawn(node: NodeName, argv: string[], opts?: SpawnOptions): Promise<Spawned>;
  blackhole(link: Link, on: boolean): Promise<void>;
  killSshdConnections(node: ClusterNode): Promise<void>;
  restartSshd(node: ClusterNode): Promise<void>;
  pids(node: NodeName, pattern: RegExp): Promise<number[]>;
  teardown(): Promise<void>;
}

export interface TopologyOptions {
  user?: string;
  /** Extra sshd_config lines per cluster node (e.g. GatewayPorts clientspecified). */
  sshdExtra?: Partial<Record<ClusterNode, string[]>>;
}

const ADDR = { laptop: '10.231.1.1', login: '10.231.1.2', loginFromNode: '10.231.2.1', node: '10.231.2.2' };
const HOSTNAME: Record<ClusterNode, string> = { login: 'login', node: 'isolated-node' };
const TOOLS = [
  'ip',
  'nft',
  'unshare',
  'nsenter',
  'setpriv',
  'mount',
  'umount',
  'useradd',
  'usermod',
  'ssh',
  'ssh-keygen',
  'nc',
  'sshd',
];

function onPath(tool: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'];
  return dirs.some((d) => {
    try {
      accessSync(join(d, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function canBuildTopology(): { ok: true } | { ok: false; why: string } {
  if (process.platform !== 'linux') return { ok: false, why: `needs Linux namespaces, this is ${process.platform}` };
  if (process.getuid?.() !== 0) return { ok: false, why: 'needs root (network/mount namespaces, useradd, nftables)' };
  const missing = TOOLS.filter((t) => !onPath(t));
  if (missing.length > 0) return { ok: false, why: `missing tools: ${missing.join(', ')}` };
  // Root inside an unprivileged container may still lack CAP_SYS_ADMIN.
  const probe = spawnSync('unshare', ['--net', '--mount', 'true'], { timeout: 5000, encoding: 'utf8' });
  if (probe.status !== 0) return { ok: false, why: `cannot create namespaces: ${probe.stderr || probe.error}` };
  return { ok: true };
}

let builds = 0;

export async function buildTopology(opts: TopologyOptions = {}): Promise<Topology> {
  const can = canBuildTopology();
  if (!can.ok) throw new Error(`cannot build topology: ${can.why}`);
  await ns.cleanupStale();

  const id = `tnl${process.pid}${String.fromCharCode(97 + (builds++ % 26))}`;
  const netns: Record<NodeName, string> = { laptop: `${id}-laptop`, login: `${id}-login`, node: `${id}-node` };
  const dir = join(ns.TOPO_ROOT, id);
  // Run in reverse on teardown; each step registers its undo as soon as it has succeeded.
  const undo: Array<() => Promise<void>> = [];
  const spawned = new Set<Spawned>();
  const sshd: Partial<Record<ClusterNode, SshdRunner>> = {};
  const mountNs: Partial<Record<ClusterNode, ns.NodeNs>> = {};
  let tornDown: Promise<void> | undefined;

  const teardown = (): Promise<void> =>
    (tornDown ??= (async () => {
      const errors: unknown[] = [];
      for (const step of undo.reverse()) await step().catch((e: unknown) => errors.push(e));
      if (errors.length > 0) throw new AggregateError(errors, `topology ${id} teardown had ${errors.length} error(s)`);
    })());

  const prefix = (node: NodeName): string[] => {
    if (node === 'laptop') return ['ip', 'netns', 'exec', netns.laptop];
    const m = mountNs[node];
    if (!m) throw new Error(`node ${node} has no mount namespace yet`);
    return ['nsenter', `--net=/run/netns/${netns[node]}`, `--mount=${m.mnt}`, `--uts=${m.uts}`, '--'];
  };

  try {
    await ns.makePrivateDir(dir);
    undo.push(async () => {
      await ns.unmountQuiet(dir);
      await rm(dir, { recursive: true, force: true });
    });
    for (const node of Object.keys(netns) as NodeName[]) {
      await ns.addNetns(netns[node]);
      undo.push(() => ns.killNetns(netns[node]));
    }
    await ns.addLink(
      { ns: netns.laptop, ifname: 'to-login', cidr: `${ADDR.laptop}/30` },
      { ns: netns.login, ifname: 'to-laptop', cidr: `${ADDR.login}/30` },
    );
    await ns.addLink(
      { ns: netns.login, ifname: 'to-node', cidr: `${ADDR.loginFromNode}/30` },
      { ns: netns.node, ifname: 'to-login', cidr: `${ADDR.node}/30` },
    );
    // Isolation must not depend on a kernel default: the login node never routes laptop <-> node.
    await ns.run('ip', ['netns', 'exec', netns.login, 'sysctl', '-qw', 'net.ipv4.ip_forward=0']);

    for (const node of ['login', 'node'] as const) {
      mountNs[node] = await ns.addMountNs(dir, node, HOSTNAME[node]);
      const m = mountNs[node];
      undo.push(() => ns.unmountQuiet(m.mnt, m.uts));
    }
    // Runs before the namespace files are unmounted: nothing may be left inside any namespace.
    undo.push(async () => {
      for (const node of Object.keys(netns) as NodeName[]) await ns.killNetnsProcesses(netns[node]);
    });

    const u = await ensureClusterUser(opts.user ?? 'tunnelu');
    const idn = await ensureIdentity(ns.TOPO_ROOT, u.name);
    const laptopKeyPath = join(dir, 'laptop_ed25519');
    await copyKey(idn.laptopKey, laptopKeyPath);
    const hostPub: Record<ClusterNode, string> = { login: idn.pub.login, node: idn.pub.node };
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    for (const node of ['login', 'node'] as const) {
      const nd = join(dir, `sshd-${node}`);
      await mkdir(nd, { mode: 0o700 });
      await copyKey(idn.hostKey[node], join(nd, 'host_ed25519'));
      const configPath = join(nd, 'sshd_config');
      await writeFile(
        configPath,
        sshdConfig({
          port: 22,
          listen: '0.0.0.0',
          hostKey: join(nd, 'host_ed25519'),
          pidFile: join(nd, 'sshd.pid'),
          strictModes: true,
          permitRootLogin: 'no',
          allowUsers: u.name,
          extra: opts.sshdExtra?.[node],
        }),
      );
      const probe = async () =>
        (await execIn(prefix(node), ['nc', '-z', '-w', '1', '127.0.0.1', '22'], u, { timeoutMs: 3000 })).exitCode === 0;
      const runner = await runSshd({ prefix: prefix(node), configPath, logPath: join(nd, 'sshd.log'), probe });
      sshd[node] = runner;
      undo.push(() => runner.stop());
    }

    await writeClusterSsh(u, {
      userKey: idn.userKey,
      userPublicKey: idn.pub.user,
      laptopPublicKey: idn.pub.laptop,
      login: { addrs: [ADDR.login, ADDR.loginFromNode], hostPublicKey: hostPub.login },
      node: { addr: ADDR.node, hostPublicKey: hostPub.node },
    });
    // The home is shared with any other live topology, which still needs the same ~/.ssh.
    undo.push(async () => {
      if ((await ns.otherLiveTopologies(id)).length === 0) await clearClusterSsh(u);
    });

    const sshConfigPath = await writeLaptopConfig(dir, u.name, laptopKeyPath, hostPub);
    // Registered last so it runs first: user-visible processes go before their sshds and namespaces.
    undo.push(async () => {
      await Promise.all([...spawned].map((s) => s.kill().catch(() => undefined)));
    });

    const blackholeEnds: Record<Link, { ns: string; ifname: string }[]> = {
      'laptop-login': [
        { ns: netns.laptop, ifname: 'to-login' },
        { ns: netns.login, ifname: 'to-laptop' },
      ],
      'login-node': [
        { ns: netns.login, ifname: 'to-node' },
        { ns: netns.node, ifname: 'to-login' },
      ],
    };
    const runnerOf = (node: ClusterNode): SshdRunner => {
      const r = sshd[node];
      if (!r) throw new Error(`no sshd on ${node}`);
      return r;
    };

    return {
      id,
      dir,
      user: u.name,
      home: u.home,
      addr: { ...ADDR },
      sshConfigPath,
      laptopKeyPath,
      sshdLogPath: { login: join(dir, 'sshd-login', 'sshd.log'), node: join(dir, 'sshd-node', 'sshd.log') },
      exec: (node, argv, o) => execIn(prefix(node), argv, u, o),
      async spawn(node, argv, o) {
        if (tornDown) throw new Error('topology already torn down');
        const s = spawnIn(prefix(node), argv, u, o);
        spawned.add(s);
        void s.exited.then(() => spawned.delete(s));
        return s;
      },
      blackhole: (link, on) => ns.setBlackhole(blackholeEnds[link], `tnl_bh_${link.replace('-', '_')}`, on),
      killSshdConnections: (node) => runnerOf(node).killConnections(),
      restartSshd: (node) => runnerOf(node).restart(),
      pids: (node, pattern) => ns.netnsPidsMatching(netns[node], pattern),
      teardown,
    };
  } catch (e) {
    await teardown().catch(() => undefined);
    throw e;
  }
}

async function writeLaptopConfig(
  dir: string,
  user: string,
  keyPath: string,
  hostPub: Record<ClusterNode, string>,
): Promise<string> {
  const knownHosts = join(dir, 'laptop_known_hosts');
  await writeFile(knownHosts, `${ADDR.login} ${hostPub.login}\n${ADDR.node} ${hostPub.node}\n`, { mode: 0o600 });
  const host = (alias: string, addr: string) => [
    `Host ${alias}`,
    `  HostName ${addr}`,
    `  User ${user}`,
    `  IdentityFile ${keyPath}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${knownHosts}`,
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
  ];
  const path = join(dir, 'laptop_ssh_config');
  await writeFile(path, [...host('login', ADDR.login), '', ...host('isolated-node', ADDR.node), ''].join('\n'), {
    mode: 0o600,
  });
  return path;
}
