import { createConnection, type NetConnectOpts } from 'node:net';
import type { Endpoint, Forward, ListenEndpoint } from '../model/types.js';
import type { ChannelVerdicts } from '../ssh/channel-verdicts.js';

export const VERDICT_WINDOW_MS = 3000;

/** `unknown`: no verdict within the window (a silent link): never counted as healthy. */
export type Health = 'ok' | 'unreachable' | 'unknown';

export interface ProbeOptions {
  windowMs?: number;
  /** The tunnel ssh's own account of each connection; without it (a shared master) silence counts as ok. */
  verdicts?: ChannelVerdicts | undefined;
}

/**
 * Checks a forward end to end without speaking its protocol.
 * -L with verdicts: connect through the local listener and close at once; ssh then reports
 * whether the far end accepted (`free`) or refused (`open failed`) within one round trip.
 * -L without: when the far end refuses, ssh closes our connection at once, so a close within
 * the window means unreachable (silence is taken as ok: weaker, only for shared masters and relay).
 * -R: the remote listener lives as long as the connection; what can break is the local
 * target it forwards to, so connect to that directly.
 */
export function probeForward(forward: Forward, options: ProbeOptions = {}): Promise<Health> {
  const windowMs = options.windowMs ?? 1500;
  if (forward.direction === 'R') return probeConnect(connectOptions(forward.target), windowMs);
  // A verdict comes within one round trip whatever the answer; only a silent link waits it out, so
  // the window can be wide enough for a loaded machine.
  if (options.verdicts !== undefined && forward.listen.kind === 'tcp')
    return probeVerdict(connectOptions(forward.listen), options.verdicts, options.windowMs ?? VERDICT_WINDOW_MS);
  return probeThrough(connectOptions(forward.listen), windowMs);
}

function connectOptions(endpoint: Endpoint | ListenEndpoint): NetConnectOpts {
  if (endpoint.kind === 'unix') return { path: endpoint.path };
  const host = 'bind' in endpoint ? endpoint.bind : endpoint.host;
  return { host: host === undefined || host === '*' || host === '0.0.0.0' ? '127.0.0.1' : host, port: endpoint.port };
}

function probeVerdict(options: NetConnectOpts, verdicts: ChannelVerdicts, windowMs: number): Promise<Health> {
  return new Promise((resolve) => {
    const socket = createConnection(options);
    socket.once('error', () => resolve('unreachable'));
    socket.once('connect', () => {
      const verdict = verdicts.waitFor(socket.localPort ?? -1, windowMs);
      socket.destroy();
      void verdict.then((v) => resolve(v ?? 'unknown'));
    });
  });
}

function probeThrough(options: NetConnectOpts, windowMs: number): Promise<Health> {
  return new Promise((resolve) => {
    const socket = createConnection(options);
    let settled = false;
    const finish = (health: Health) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(health);
    };
    const timer = setTimeout(() => finish('ok'), windowMs);
    socket.once('data', () => finish('ok'));
    socket.once('close', () => finish('unreachable'));
    socket.once('error', () => finish('unreachable'));
  });
}

function probeConnect(options: NetConnectOpts, windowMs: number): Promise<Health> {
  return new Promise((resolve) => {
    const socket = createConnection(options);
    const finish = (health: Health) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(health);
    };
    const timer = setTimeout(() => finish('unreachable'), windowMs);
    socket.once('connect', () => finish('ok'));
    socket.once('error', () => finish('unreachable'));
  });
}
