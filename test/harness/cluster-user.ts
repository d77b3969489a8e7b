import { chmod, chown, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { run } from './netns.js';

export interface ClusterUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

async function lookup(name: string): Promise<ClusterUser | undefined> {
  const r = await execa('getent', ['passwd', name], { reject: false, stdin: 'ignore' });
  const f = r.stdout.trim().split(':');
  if (r.exitCode !== 0 || f.length < 7) return undefined;
  return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '', shell: f[6] ?? '/bin/sh' };
}

/** Creates the account if missing. Debian's useradd leaves it locked ('!'), and sshd with UsePAM no
 *  then refuses even key logins; '*' means "no password" without "locked". */
export async function ensureClusterUser(name: string): Promise<ClusterUser> {
  if (!(await lookup(name))) await run('useradd', ['--create-home', '--shell', '/bin/bash', name]);
  await run('usermod', ['-p', '*', name]);
  const u = await lookup(name);
  if (!u?.home) throw new Error(`user ${name} has no home directory`);
  // StrictModes (left on for the cluster sshds, as on real clusters) rejects a group/world-writable home.
  await chmod(u.home, 0o755);
  return u;
}

export interface ClusterSshFacts {
  userKey: string;
  laptopPublicKey: string;
  userPublicKey: string;
  login: { addrs: string[]; hostPublicKey: string };
  node: { addr: string; hostPublicKey: string };
}

/** Concurrent topologies write identical bytes; temp+rename keeps readers from seeing a half file. */
async function put(u: ClusterUser, path: string, content: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, content, { mode: 0o600 });
  await chown(tmp, u.uid, u.gid);
  await rename(tmp, path);
}

/** The shared-home ~/.ssh of a cluster account: laptop key plus the account's own key authorized
 *  (on every node, since home is shared), and config/known_hosts so `ssh isolated-node` works in BatchMode. */
export async function writeClusterSsh(u: ClusterUser, f: ClusterSshFacts): Promise<void> {
  const dot = join(u.home, '.ssh');
  await mkdir(dot, { recursive: true, mode: 0o700 });
  await chmod(dot, 0o700);
  await chown(dot, u.uid, u.gid);
  await put(u, join(dot, 'id_ed25519'), await readFile(f.userKey, 'utf8'));
  await put(u, join(dot, 'id_ed25519.pub'), `${f.userPublicKey} ${u.name}@cluster\n`);
  await put(u, join(dot, 'authorized_keys'), `${f.laptopPublicKey} laptop\n${f.userPublicKey} ${u.name}@cluster\n`);
  await put(
    u,
    join(dot, 'known_hosts'),
    `login,${f.login.addrs.join(',')} ${f.login.hostPublicKey}\nisolated-node,${f.node.addr} ${f.node.hostPublicKey}\n`,
  );
  const config = [
    'Host isolated-node',
    `  HostName ${f.node.addr}`,
    'Host login',
    // From the node, only the login node's inner address is routable.
    `  HostName ${f.login.addrs[f.login.addrs.length - 1]}`,
    'Host *',
    '  BatchMode yes',
    '  StrictHostKeyChecking yes',
    '  IdentitiesOnly yes',
    '  IdentityFile ~/.ssh/id_ed25519',
    '',
  ];
  await put(u, join(dot, 'config'), config.join('\n'));
}

export async function clearClusterSsh(u: ClusterUser): Promise<void> {
  await rm(join(u.home, '.ssh'), { recursive: true, force: true });
}
