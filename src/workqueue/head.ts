import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TunnelError } from '../errors.js';
import type { ListedTunnel } from '../background/list.js';
import type { NamedTunnel } from '../saved/index.js';

/** Where the workers connect: the head node as they reach it, and the port the manager is published on there. */
export interface WorkerHead {
  head: string | undefined;
  headPort: string | number | undefined;
}

/** What a running or saved tunnel says about the head node; `port` is unknown for a saved `-R 0` one. */
interface Known {
  head: string;
  port: number | undefined;
  /** For messages: "running tunnel 'wq'". */
  what: string;
}

const LIVE = new Set(['starting', 'up', 'degraded', 'reconnecting']);

/**
 * `tunnel worker PRESET NAME`: --head and --head-port as given, else from the background tunnel
 * NAME (its record: the target it published on and the port that target allocated), else from the
 * saved tunnel NAME (a fixed --remote-port only). Reads state and the saved-tunnel store; writes nothing.
 */
export async function resolveWorkerHead(
  preset: string,
  name: string,
  flags: WorkerHead,
): Promise<{ head: string; headPort: string | number }> {
  if (flags.head !== undefined && flags.headPort !== undefined) return { head: flags.head, headPort: flags.headPort };
  const { listTunnels } = await import('../background/list.js');
  const running = await listTunnels();
  const saved = await readSaved();
  const known = knownHead(
    preset,
    name,
    running.find((t) => t.name === name),
    saved.find((t) => t.name === name),
  );
  const head = flags.head ?? known?.head;
  const headPort = flags.headPort ?? known?.port;
  if (head !== undefined && headPort !== undefined) return { head, headPort };
  if (known === undefined) {
    const missing = [head === undefined ? '--head HOST' : '', headPort === undefined ? '--head-port PORT' : '']
      .filter((f) => f !== '')
      .join(' and ');
    throw new TunnelError(
      'NOT_FOUND',
      `worker: no running or saved ${preset} tunnel named '${name}' to take the head node from (${describeNames(running, saved)}); pass ${missing}`,
      { field: 'name' },
    );
  }
  throw new TunnelError(
    'BAD_OPTION',
    `worker: the ${known.what} lets ${known.head} pick its port (-R 0) and is not running; start it with 'tunnel up ${name} -d', or pass --head-port PORT`,
    { field: '--head-port' },
  );
}

/** The head node from the running tunnel (when it is live), else the saved one; undefined when neither names it. Pure. */
export function knownHead(
  preset: string,
  name: string,
  running: ListedTunnel | undefined,
  saved: NamedTunnel | undefined,
): Known | undefined {
  if (running !== undefined && running.preset?.name !== preset) {
    throw new TunnelError(
      'BAD_OPTION',
      `worker: tunnel '${name}' ${kindOf(running.preset?.name)}, not ${preset}; pass --head and --head-port`,
      { field: 'name' },
    );
  }
  if (running !== undefined && LIVE.has(running.state)) return fromRecord(running, name);
  if (saved === undefined) {
    if (running === undefined) return undefined;
    throw new TunnelError(
      'BAD_OPTION',
      `worker: tunnel '${name}' is ${running.state}; start it again ('tunnel up ${preset} ... -d --name ${name}') or pass --head and --head-port`,
      { field: 'name' },
    );
  }
  if (saved.preset !== preset) {
    throw new TunnelError(
      'BAD_OPTION',
      `worker: saved tunnel '${name}' ${kindOf(saved.preset)}, not ${preset}; pass --head and --head-port`,
      { field: 'name' },
    );
  }
  const head = saved.to ?? saved.via?.at(-1);
  if (head === undefined) return undefined;
  const port = Number(saved.presetOptions?.remotePort ?? 0);
  return { head, port: Number.isInteger(port) && port > 0 ? port : undefined, what: `saved tunnel '${name}'` };
}

const kindOf = (preset: string | undefined): string =>
  preset === undefined ? 'is a plain tunnel' : `runs the ${preset} preset`;

/** The target the preset published on, and the port it listens on there now (allocated for -R 0). */
function fromRecord(record: ListedTunnel, name: string): Known {
  const state = record.preset?.state as { to?: unknown } | undefined;
  const json = record.preset?.report.json ?? {};
  const head =
    typeof state?.to === 'string'
      ? state.to
      : typeof json.listenerOn === 'string'
        ? json.listenerOn
        : record.route.at(-1);
  if (head === undefined)
    throw new TunnelError(
      'STATE_CORRUPT',
      `worker: the record of tunnel '${name}' names no target; pass --head and --head-port`,
    );
  return { head, port: recordPort(record), what: `running tunnel '${name}'` };
}

/** The live -R port: what OpenSSH allocated, else the port in the listen address, else what the preset reported. */
function recordPort(record: ListedTunnel): number | undefined {
  const forward = record.forwards.find((f) => f.direction === 'R');
  const listed = Number(/:(\d+) on /.exec(forward?.listen ?? '')?.[1] ?? 0);
  const reported = Number(record.preset?.report.json.remotePort ?? 0);
  for (const port of [forward?.allocatedPort, listed, reported])
    if (port !== undefined && Number.isInteger(port) && port > 0) return port;
  return undefined;
}

/** One line naming every tunnel there is, so the user can pick one. Pure. */
export function describeNames(running: readonly ListedTunnel[], saved: readonly NamedTunnel[]): string {
  const parts = [
    ...running.map((t) => `${t.name} (${t.preset?.name ?? 'plain'}, ${t.state})`),
    ...saved.map((t) => `${t.name} (${t.preset ?? 'plain'}, saved)`),
  ];
  return parts.length === 0 ? 'no tunnels are running or saved' : `tunnels: ${parts.join(', ')}`;
}

/** Saved tunnels, without opening the store (conf, ~90 ms) when there is no store file. */
async function readSaved(): Promise<NamedTunnel[]> {
  const { CONFIG_FILE, configDir } = await import('../saved/paths.js');
  if (!existsSync(join(configDir(), CONFIG_FILE))) return [];
  const { listSaved } = await import('../saved/index.js');
  return listSaved();
}
