import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { withTimeout } from './util.js';

/** The tiny HTTP app "on the isolated node", listening on a Unix socket. */
export class App {
  private server: Server | undefined;

  constructor(
    readonly socketPath: string,
    readonly body: string,
  ) {}

  get running(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    // A stale socket file (e.g. after a crash) would make listen fail with EADDRINUSE.
    rmSync(this.socketPath, { force: true });
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(this.body);
    });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.socketPath, () => resolve());
      }),
      5000,
      'app listen',
    );
    server.on('error', () => {});
    // The directory is already 0700; 0600 mirrors what a careful app does on a shared node.
    chmodSync(this.socketPath, 0o600);
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await withTimeout(closed, 5000, 'app close');
    // Node unlinks the socket on close; make sure, so "app gone" means no file too.
    rmSync(this.socketPath, { force: true });
  }
}
