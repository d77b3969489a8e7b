import type { TunnelError } from '../errors.js';
import type { TunnelSpec } from '../model/types.js';
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
  return spec.forwards.flatMap((f, i) =>
    f.direction === 'R' && f.listen.kind === 'tcp' && f.listen.port === 0 ? [i] : [],
  );
}

/** Pins what the attempt was allocated; reports ports that differ from an earlier pin. Pure. */
export function pinAllocated(
  spec: TunnelSpec,
  pinned: PinnedPorts,
  progress: SshProgress,
): { pinned: PinnedPorts; changes: PortChange[] } {
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
export function withPinnedPorts(
  spec: TunnelSpec,
  pinned: PinnedPorts,
  released: ReadonlySet<number> = new Set(),
): TunnelSpec {
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

/**
 * A tunnel's pins and how long each refused one has been asked for: reconnects ask for the
 * pinned port for `waitMs`, then for a new one. Methods return the lines to log; no I/O here.
 */
export class PortPins {
  private pinned: PinnedPorts = new Map();
  private readonly released = new Set<number>();
  private readonly refusedSince = new Map<number, number>();

  constructor(
    private readonly spec: TunnelSpec,
    private readonly waitMs: number,
  ) {}

  get(index: number): number | undefined {
    return this.pinned.get(index);
  }

  /** True while some pinned port is refused: retries then keep a steady pace. */
  get waiting(): boolean {
    return this.refusedSince.size > 0;
  }

  /** The spec a reconnect plans with. */
  specForAttempt(): TunnelSpec {
    return withPinnedPorts(this.spec, this.pinned, this.released);
  }

  /** Pins what an attempt was allocated; returns the ports that moved. */
  pin(progress: SshProgress): PortChange[] {
    const { pinned, changes } = pinAllocated(this.spec, this.pinned, progress);
    this.pinned = pinned;
    for (const change of changes) {
      this.released.delete(change.forward);
      this.refusedSince.delete(change.forward);
    }
    return changes;
  }

  /**
   * A refused pinned port is usually the dropped session's own listener, which sshd frees when
   * that session's process ends. Returns the line to log while it is asked for again (undefined:
   * not a pinned-port refusal), releasing the pin once `waitMs` has passed.
   */
  refused(failure: TunnelError, now = Date.now()): string | undefined {
    const index = refusedPinnedForward(failure, this.pinned);
    if (index === undefined || this.released.has(index)) return undefined;
    const since = this.refusedSince.get(index) ?? now;
    this.refusedSince.set(index, since);
    const where = `remote port ${this.pinned.get(index)} on ${this.spec.to.host}`;
    if (now - since < this.waitMs)
      return `${where} is still held (the dropped session's listener, or another program); asking for it again`;
    this.released.add(index);
    return `${where} is still taken after ${this.waitMs / 1000} s; asking the server for a new port`;
  }
}
