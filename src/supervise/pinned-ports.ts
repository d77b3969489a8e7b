import type { TunnelError } from '../errors.js';
import type { TunnelSpec } from '../spec/types.js';
import type { SshProgress } from '../ssh/progress.js';

/**
 * The ports the server allocated for `-R 0`, by forward index: a reconnect asks for the same
 * port (an explicit `-R PORT:...`) so workers, pvserver and ssh_config entries keep working.
 */
export type PinnedPorts = ReadonlyMap<number, number>;

/** A port that moved: the old one could not be had back within the wait. */
export interface PortChange {
  forward: number;
  from: number;
  to: number;
}

/** Indexes of the spec's forwards that are `-R 0` (the server picks the port). */
function dynamicRemote(spec: TunnelSpec): number[] {
  return spec.forwards.flatMap((f, i) => (f.direction === 'R' && f.listen.kind === 'tcp' && f.listen.port === 0 ? [i] : []));
}

/** Pins what the attempt was allocated; reports ports that differ from an earlier pin. Pure. */
export function pinAllocated(spec: TunnelSpec, pinned: PinnedPorts, progress: SshProgress): { pinned: PinnedPorts; changes: PortChange[] } {
  const next = new Map(pinned);
  const changes: PortChange[] = [];
  const remoteIndexes = spec.forwards.flatMap((f, i) => (f.direction === 'R' ? [i] : []));
  for (const index of dynamicRemote(spec)) {
    const allocated = progress.remoteForwards[remoteIndexes.indexOf(index)]?.allocated;
    if (allocated === undefined) continue;
    const before = next.get(index);
    if (before !== undefined && before !== allocated) changes.push({ forward: index, from: before, to: allocated });
    next.set(index, allocated);
  }
  return { pinned: next, changes };
}

/** The spec with every pinned `-R 0` asking for its pinned port. Pure. */
export function withPinnedPorts(spec: TunnelSpec, pinned: PinnedPorts, released: ReadonlySet<number> = new Set()): TunnelSpec {
  if (pinned.size === 0) return spec;
  const forwards = spec.forwards.map((f, i) => {
    const port = pinned.get(i);
    if (port === undefined || released.has(i) || f.listen.kind !== 'tcp') return f;
    return { ...f, listen: { ...f.listen, port } };
  });
  return { ...spec, forwards };
}

/** The pinned forward the server refused to bind again ("remote port forwarding failed for listen port N"), if any. */
export function refusedPinnedForward(error: TunnelError, pinned: PinnedPorts): number | undefined {
  const port = /remote port forwarding failed for listen port (\d+)/.exec(error.sshMessage ?? '')?.[1];
  if (error.code !== 'FORWARD_REFUSED' || port === undefined) return undefined;
  for (const [index, pinnedPort] of pinned) if (pinnedPort === Number(port)) return index;
  return undefined;
}
