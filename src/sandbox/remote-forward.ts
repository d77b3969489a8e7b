import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { isAbsolute } from 'node:path';
import type { Connection } from 'ssh2';
import { splice } from './util.js';

type Accept = ((port?: number) => void) | undefined;
type Reject = (() => void) | undefined;
interface BindInfo {
  bindAddr?: string;
  bindPort?: number;
  socketPath?: string;
}

/**
 * `-R` support on the isolated node: tcpip-forward (including port 0, whose
 * allocated port is reported back as OpenSSH expects) and
 * streamlocal-forward@openssh.com. Listeners are loopback-only whatever the
 * client asks for, and die with the connection.
 */
export function serveRemoteForwards(client: Connection): void {
  const listeners = new Map<string, NetServer>();
  const closeAll = (): void => {
    for (const srv of listeners.values()) srv.close();
    listeners.clear();
  };
  client.on('close', closeAll);

  // `key` takes the bound port so a cancel for an allocated (port 0) forward finds it.
  const listen = (
    target: number | string,
    key: (port?: number) => string,
    onConn: (s: Socket) => void,
    accept: Accept,
    reject: Reject,
  ): void => {
    if (target !== 0 && listeners.has(key())) return reject?.();
    const srv = createServer(onConn);
    srv.once('error', () => reject?.());
    const onListening = (): void => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : undefined;
      listeners.set(key(port), srv);
      accept?.(port);
    };
    if (typeof target === 'number') srv.listen({ host: '127.0.0.1', port: target }, onListening);
    else srv.listen(target, onListening);
  };

  const cancel = (key: string, accept: Accept, reject: Reject): void => {
    const srv = listeners.get(key);
    if (!srv) return reject?.();
    listeners.delete(key);
    srv.close();
    accept?.();
  };

  // ssh2's typings split 'request' by name into overloads; one handler is simpler.
  const onRequest = (accept: Accept, reject: Reject, name: string, info: BindInfo): void => {
    const { bindAddr = '', bindPort = -1, socketPath = '' } = info;
    switch (name) {
      case 'tcpip-forward':
        if (bindPort < 0 || bindPort > 65535) return reject?.();
        return listen(
          bindPort,
          (port = bindPort) => `tcp:${bindAddr}:${port}`,
          (sock) => {
            // OpenSSH matches forwarded-tcpip by the address it asked for and the port actually bound.
            const port = sock.localPort ?? bindPort;
            client.forwardOut(bindAddr, port, sock.remoteAddress ?? '127.0.0.1', sock.remotePort ?? 0, (err, ch) => {
              if (err) sock.destroy();
              else splice(sock, ch);
            });
          },
          accept,
          reject,
        );
      case 'cancel-tcpip-forward':
        return cancel(`tcp:${bindAddr}:${bindPort}`, accept, reject);
      case 'streamlocal-forward@openssh.com':
        if (!isAbsolute(socketPath)) return reject?.();
        return listen(
          socketPath,
          () => `unix:${socketPath}`,
          (sock) => {
            client.openssh_forwardOutStreamLocal(socketPath, (err, ch) => {
              if (err) sock.destroy();
              else splice(sock, ch);
            });
          },
          () => accept?.(),
          reject,
        );
      case 'cancel-streamlocal-forward@openssh.com':
        return cancel(`unix:${socketPath}`, accept, reject);
      default:
        return reject?.();
    }
  };
  (client as unknown as NodeJS.EventEmitter).on('request', onRequest);
}
