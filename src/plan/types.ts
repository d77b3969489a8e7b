import type { Forward, TunnelSpec } from '../model/types.js';
import type { MuxPlan } from './mux.js';

/** What an ssh process prints once it is fully up; parsed from its -v output. */
export type ReadyMarker =
  /** All -L listeners are bound and the session is open. */
  | 'session'
  /** Every -R request got its reply. */
  | 'remote-forwards'
  /** The inner ssh of a relay chain has bound its intermediate socket (seen on the outer's stdout). */
  | 'relay-inner';

export interface SshCommand {
  /** `tunnel` for the process carrying the forwards; `cleanup` for one-shot remote housekeeping. */
  role: 'tunnel' | 'cleanup';
  /** The destination this ssh connects to, as the user wrote it. */
  hop: string;
  argv: string[];
  /** Markers that must all be seen before the process counts as ready (tunnel role only). */
  ready: ReadyMarker[];
  /** Local listeners the process must announce before it counts as ready. */
  listeners: number;
}

export interface PlannedForward {
  forward: Forward;
  /** Where the user connects: `127.0.0.1:8899`, a socket path, or the remote listener for -R. */
  listen: string;
  /** What it reaches, e.g. `/home/me/.jupyter.sock on isolated-node`. */
  target: string;
}

/**
 * The one description of what will run for a tunnel: --dry-run prints it, the runner runs it,
 * the record and `ls` read it. Pure data.
 */
export interface Plan {
  /** The resolved spec this was planned from (with any pinned -R ports filled in). */
  spec: TunnelSpec;
  strategy: 'jump' | 'relay';
  /** Random id for this attempt: names intermediate sockets so no two runs collide. */
  runId: string;
  tunnel: SshCommand;
  /** Set when the tunnel rides a shared ControlMaster (--multiplex): then `tunnel` is not run; these are. */
  mux: MuxPlan | undefined;
  /** What runs, in order, as shown by --dry-run, `up --json` and the record: the mux master and forward, or the tunnel ssh. */
  commands: string[][];
  forwards: PlannedForward[];
  /** Local socket files the tunnel binds; removed on teardown. */
  localSockets: string[];
  /** One-shot ssh commands that remove sockets the tunnel binds on the target (the server never unlinks -R sockets). */
  remoteCleanup: SshCommand[];
  /** The same, for a first start: removes only sockets nobody listens on (another tunnel's live one is reported). */
  staleRemoteCleanup: SshCommand[];
  /** Hops in order, for display: laptop -> ... -> target. */
  route: string[];
}
