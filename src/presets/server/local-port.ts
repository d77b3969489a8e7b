import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now. Another process may take it before ssh binds it;
 * ssh then fails with PORT_IN_USE (ExitOnForwardFailure) instead of forwarding elsewhere.
 */
export function freeLocalPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port allocated')),
      );
    });
  });
}
