/** A TCP endpoint (`host` may be a name, IPv4, or IPv6 without brackets) or a Unix socket path. */
export type Endpoint = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/** Where a forward listens: a TCP port with an optional bind address, or a Unix socket. */
export type ListenEndpoint = { kind: 'tcp'; bind: string | undefined; port: number } | { kind: 'unix'; path: string };

export type Direction = 'L' | 'R';

/** One -L or -R forward, in OpenSSH's own terms. */
export interface Forward {
  direction: Direction;
  /** For L the listener is on the laptop; for R it is on the target node. */
  listen: ListenEndpoint;
  /** For L the target is reached from the target node; for R from the laptop. */
  target: Endpoint;
}

/** One ssh destination as written by the user: `[user@]host[:port]` or an ssh_config alias. */
export interface Hop {
  user: string | undefined;
  host: string;
  port: number | undefined;
}

export type Strategy = 'jump' | 'relay' | 'auto';

export interface Keepalive {
  /** ServerAliveInterval, seconds (>= 1). */
  interval: number;
  /** ServerAliveCountMax (>= 1). */
  count: number;
}

/** A validated tunnel: everything plan() needs, nothing it has to look up. */
export interface TunnelSpec {
  name: string | undefined;
  /** Hops in order; the target is reached through all of them. */
  via: Hop[];
  /** The node where the endpoints live. */
  to: Hop;
  forwards: Forward[];
  strategy: Strategy;
  keepalive: Keepalive;
  /** ConnectTimeout, seconds. */
  connectTimeout: number;
  /** `-F FILE`, passed through to every ssh. */
  sshConfig: string | undefined;
  /** BatchMode=yes: never prompt (unattended runs). */
  batchMode: boolean;
  /** Share one ControlMaster connection per first hop. */
  multiplex: boolean;
  /** Probe the forwards end to end; false for a listener a probe would disturb (ParaView's reverse-connection port). */
  probe: boolean;
}

/** What a user may pass in; parseTunnelSpec validates it into a TunnelSpec. */
export interface TunnelOptions {
  name?: string | undefined;
  via?: string | readonly string[] | undefined;
  to?: string | undefined;
  local?: readonly string[] | undefined;
  remote?: readonly string[] | undefined;
  strategy?: string | undefined;
  keepalive?: number | string | undefined;
  keepaliveCount?: number | string | undefined;
  connectTimeout?: number | string | undefined;
  sshConfig?: string | undefined;
  batchMode?: boolean | undefined;
  multiplex?: boolean | undefined;
  /** Probe the forwards end to end (default true). */
  probe?: boolean | undefined;
}
