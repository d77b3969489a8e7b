import { createServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Connection, ParsedKey } from 'ssh2';
import { SERVER_ALGORITHMS } from './algorithms.js';
import { GatedSocket } from './gate.js';
import { publicKeyAuth } from './keys.js';
import { withTimeout } from './util.js';

export const NODE_HOST = 'isolated-node';
export const NODE_PORT = 22;

export interface LoginServerOptions {
  hostKey: string;
  user: string;
  clientKey: ParsedKey;
  /** Where an accepted channel to isolated-node:22 goes. */
  toNode(channel: Duplex): void;
}

export interface LoginServer {
  port: number;
  connections(): number;
  drop(): void;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/**
 * The login node: a real TCP listener on loopback whose only use is being a
 * jump host to isolated-node:22. ssh2 does not listen itself; we own the TCP
 * server and inject each socket through a gate so the network can "go dark".
 */
export async function startLoginServer(opts: LoginServerOptions): Promise<LoginServer> {
  const gates = new Set<GatedSocket>();
  let paused = false;
  let live = 0;

  const ssh = new ssh2.Server({ hostKeys: [opts.hostKey], algorithms: SERVER_ALGORITHMS });
  ssh.on('error', () => {});
  ssh.on('connection', (client: Connection) => {
    live++;
    client.once('close', () => live--);
    client.on('error', () => {});
    client.on('authentication', publicKeyAuth(opts.user, opts.clientKey));
    client.on('ready', () => {
      client.on('tcpip', (accept, reject, info) => {
        // Not an open proxy: the one destination is the isolated node's sshd.
        if (info.destIP !== NODE_HOST || info.destPort !== NODE_PORT) return reject();
        opts.toNode(accept());
      });
      // No 'openssh.streamlocal' or 'session' listener: ssh2 refuses those as
      // "administratively prohibited", which is what a locked-down sshd says.
    });
  });

  const tcp = createServer({ noDelay: true }, (sock: Socket) => {
    const gate = new GatedSocket(sock, paused);
    gates.add(gate);
    gate.once('close', () => gates.delete(gate));
    ssh.injectSocket(gate as unknown as Socket);
  });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    }),
    5000,
    'login listen',
  );
  tcp.on('error', () => {});
  const addr = tcp.address();
  if (!addr || typeof addr === 'string') throw new Error('sandbox: login server has no TCP address');

  const drop = (): void => {
    for (const g of gates) g.kill();
  };
  return {
    port: addr.port,
    connections: () => live,
    drop,
    pause() {
      paused = true;
      for (const g of gates) g.close();
    },
    resume() {
      paused = false;
      for (const g of gates) g.open();
    },
    async close() {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      drop();
      await withTimeout(closed, 5000, 'login close');
    },
  };
}
