import { createConnection, type NetConnectOpts } from 'node:net';
import type { Endpoint, Forward, ListenEndpoint } from '../spec/types.js';

export type Health = 'ok' | 'unreachable';

/**
 * Checks a forward end to end without speaking its protocol.
 * -L: connect through the local listener; when the far endpoint refuses, ssh closes our
 * connection at once, so a close within the window means unreachable.
 * -R: the remote listener lives as long as the connection; what can break is the local
 * target it forwards to, so connect to that directly.
 */
export function probeForward(forward: Forward, windowMs = 1500): Promise<Health> {
  if (forward.direction === 'R') return probeConnect(connectOptions(forward.target), windowMs);
  return probeThrough(connectOptions(forward.listen), windowMs);
}

function connectOptions(endpoint: Endpoint | ListenEndpoint): NetConnectOpts {
  if (endpoint.kind === 'unix') return { path: endpoint.path };
  const host = 'bind' in endpoint ? endpoint.bind : endpoint.host;
  return { host: host === undefined || host === '*' || host === '0.0.0.0' ? '127.0.0.1' : host, port: endpoint.port };
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
