import { chmod, copyFile, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { genKey, publicKeyOf } from './keys.js';

/**
 * Keys shared by every topology on this machine: both sshd host keys, the laptop key and the cluster
 * account's own key. The account's ~/.ssh is one real directory, so topologies built concurrently
 * (two vitest runs, or an e2e file next to another) must agree on its contents instead of
 * overwriting each other's keys. Kept across runs; per-run copies live in each topology's dir.
 */
export interface Identity {
  dir: string;
  laptopKey: string;
  userKey: string;
  hostKey: { login: string; node: string };
  pub: { laptop: string; user: string; login: string; node: string };
}

export async function ensureIdentity(root: string, userName: string): Promise<Identity> {
  const dir = join(root, `identity-${userName}`);
  const paths = (d: string) => ({
    laptop: join(d, 'laptop_ed25519'),
    user: join(d, 'user_ed25519'),
    login: join(d, 'login_host_ed25519'),
    node: join(d, 'node_host_ed25519'),
  });
  try {
    await publicKeyOf(paths(dir).node);
  } catch {
    // Build in a private dir and rename it into place: rename is atomic, and a loser of the race
    // (ENOTEMPTY/EEXIST) just uses the winner's keys.
    const tmp = await mkdtemp(join(root, `identity-${userName}.tmp-`));
    const p = paths(tmp);
    await genKey(p.laptop, 'laptop');
    await genKey(p.user, `${userName}@cluster`);
    await genKey(p.login, 'login-host');
    await genKey(p.node, 'node-host');
    await rename(tmp, dir).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  }
  const p = paths(dir);
  return {
    dir,
    laptopKey: p.laptop,
    userKey: p.user,
    hostKey: { login: p.login, node: p.node },
    pub: {
      laptop: await publicKeyOf(p.laptop),
      user: await publicKeyOf(p.user),
      login: await publicKeyOf(p.login),
      node: await publicKeyOf(p.node),
    },
  };
}

/** Each run serves private copies, so nothing that happens to the shared identity can touch a live sshd. */
export async function copyKey(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  await chmod(to, 0o600);
  await copyFile(`${from}.pub`, `${to}.pub`);
}
