import { chown, copyFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Topology } from './topology.js';

/**
 * Copies a repo file into the cluster user's (shared) home, owned by that user: the checkout may
 * live under /tmp (private on each node) or /root (unreadable by the user), wherever CI clones it.
 */
export async function stageForCluster(
  t: Topology,
  path: string,
): Promise<{ path: string; remove: () => Promise<void> }> {
  const staged = join(t.home, `.tnl-${t.id}-${basename(path)}`);
  await copyFile(path, staged);
  const uid = Number((await t.exec('node', ['id', '-u', t.user])).stdout.trim());
  const gid = Number((await t.exec('node', ['id', '-g', t.user])).stdout.trim());
  await chown(staged, uid, gid);
  return { path: staged, remove: () => rm(staged, { force: true }) };
}
