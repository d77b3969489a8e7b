import { lstatSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { isAbsolute } from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Connection, ParsedKey, ServerChannel } from 'ssh2';
import { SERVER_ALGORITHMS } from './algorithms.js';
import { publicKeyAuth } from './keys.js';
import { serveRemoteForwards } from './remote-forward.js';
import { splice } from './util.js';

export interface NodeServerOptions {
  hostKey: string;
  user: string;
  clientKey: ParsedKey;
  appSocketPath: string;
}

export interface NodeServer {
  /** Hands the node a transport; the login server calls this per accepted `-W`/`-J` channel. */
  inject(transport: Duplex): void;
  connections(): number;
  drop(): void;
  close(): void;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Like sshd, which connects as the user: any absolute path that is a socket we
 * own is reachable, so tests can point forwards at sockets of their own.
 */
function socketAllowed(path: string, appSocketPath: string): boolean {
  if (path === appSocketPath) return true;
  if (!isAbsolute(path)) return false;
  try {
    const st = lstatSync(path);
    return st.isSocket() && st.uid === process.getuid?.();
  } catch {
    return false;
  }
}

/** Like sshd: connect first, confirm the channel only once the target answered. */
function openTo(sock: Socket, accept: () => ServerChannel, reject: () => void): void {
  sock.once('connect', () => {
    sock.removeAllListeners('error');
    splice(sock, accept());
  });
  sock.once('error', () => reject());
}

/**
 * The isolated node. It never listens on anything: the only way in is a
 * transport injected by the login server, which is what makes it "isolated".
 */
export function createNodeServer(opts: NodeServerOptions): NodeServer {
  const transports = new Set<Duplex>();
  let live = 0;
  const server = new ssh2.Server({ hostKeys: [opts.hostKey], algorithms: SERVER_ALGORITHMS });
  server.on('error', () => {});
  server.on('connection', (client: Connection) => {
    live++;
    client.once('close', () => live--);
    // Protocol/socket errors end the client; a listener keeps them from crashing the process.
    client.on('error', () => {});
    client.on('authentication', publicKeyAuth(opts.user, opts.clientKey));
    client.on('ready', () => {
      client.on('openssh.streamlocal', (accept, reject, info) => {
        if (!socketAllowed(info.socketPath, opts.appSocketPath)) return reject();
        openTo(connect(info.socketPath), accept, reject);
      });
      client.on('tcpip', (accept, reject, info) => {
        if (!LOOPBACK.has(info.destIP) || info.destPort < 1 || info.destPort > 65535) return reject();
        const host = info.destIP === 'localhost' ? '127.0.0.1' : info.destIP;
        openTo(connect({ host, port: info.destPort }), accept, reject);
      });
      serveRemoteForwards(client);
      // No 'session' listener: ssh2 then refuses sessions as "administratively prohibited".
    });
  });

  const drop = (): void => {
    for (const t of transports) t.destroy();
  };
  return {
    inject(transport) {
      transports.add(transport);
      transport.once('close', () => transports.delete(transport));
      // ssh2 only needs a Duplex here, whatever its typings say.
      server.injectSocket(transport as unknown as Socket);
    },
    connections: () => live,
    drop,
    close: drop,
  };
}
