import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from './app.js';
import { SANDBOX_USER, writeClientFiles } from './config.js';
import { generateKeyPair, parsePublicKey } from './keys.js';
import { NODE_HOST, startLoginServer, type LoginServer } from './login-server.js';
import { createNodeServer, type NodeServer } from './node-server.js';

export { LOGIN_ALIAS, SANDBOX_USER } from './config.js';
export { NODE_HOST } from './login-server.js';

export type SandboxNode = 'login' | 'isolated-node';

export interface Sandbox {
  /** Private temp dir (0700): keys, ssh_config, known_hosts, app socket. */
  dir: string;
  sshConfigPath: string;
  knownHostsPath: string;
  identityPath: string;
  loginPort: number;
  /** Unix socket "on the isolated node" where a tiny HTTP app answers. */
  appSocketPath: string;
  appBody: string;
  /** Live SSH connections across both servers. */
  connections(): number;
  /** Abruptly kills live connections, like sshd's process dying. Both nodes when omitted. */
  dropConnections(node?: SandboxNode): void;
  /** Blackholes login: existing and new connections go silent (no RST, no FIN). */
  pause(node: 'login'): void;
  resume(node: 'login'): void;
  stopApp(): Promise<void>;
  startApp(): Promise<void>;
  /** Idempotent: stops servers and app, removes dir. */
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** Use this directory (created if missing, must be empty; removed on close) instead of a fresh temp dir. */
  dir?: string;
}

export const APP_BODY = 'hello from isolated-node\n';

// sun_path is 104 bytes on macOS, 108 on Linux; stay under both with the NUL.
const MAX_SOCKET_PATH = 103;

function makeDir(requested: string | undefined): string {
  if (requested === undefined) return mkdtempSync(join(tmpdir(), 'tunnel-sandbox-'));
  const dir = resolve(requested);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // close() deletes the dir, so never adopt one that holds someone's files.
  if (readdirSync(dir).length > 0) throw new Error(`sandbox: ${dir} is not empty`);
  chmodSync(dir, 0o700);
  return dir;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const dir = makeDir(opts.dir);
  const appSocketPath = join(dir, 'app.sock');
  let login: LoginServer | undefined;
  let node: NodeServer | undefined;
  const app = new App(appSocketPath, APP_BODY);

  const teardown = async (): Promise<void> => {
    const results = await Promise.allSettled([app.stop(), login?.close()]);
    node?.close();
    rmSync(dir, { recursive: true, force: true });
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  try {
    if (Buffer.byteLength(appSocketPath) > MAX_SOCKET_PATH) {
      throw new Error(`sandbox: socket path too long for AF_UNIX (${appSocketPath}); use a shorter dir`);
    }
    const loginKey = generateKeyPair('sandbox-login-host');
    const nodeKey = generateKeyPair('sandbox-isolated-node-host');
    const clientKey = generateKeyPair('sandbox-researcher');
    const clientPub = parsePublicKey(clientKey.publicKey);

    const nodeServer = createNodeServer({
      hostKey: nodeKey.privateKey,
      user: SANDBOX_USER,
      clientKey: clientPub,
      appSocketPath,
    });
    node = nodeServer;
    login = await startLoginServer({
      hostKey: loginKey.privateKey,
      user: SANDBOX_USER,
      clientKey: clientPub,
      toNode: (channel) => nodeServer.inject(channel),
    });
    const files = writeClientFiles(dir, {
      loginPort: login.port,
      clientPrivateKey: clientKey.privateKey,
      loginHostKey: loginKey.publicKey,
      nodeHostKey: nodeKey.publicKey,
    });
    await app.start();

    const loginServer = login;
    let closing: Promise<void> | undefined;
    return {
      dir,
      ...files,
      loginPort: loginServer.port,
      appSocketPath,
      appBody: APP_BODY,
      connections: () => loginServer.connections() + nodeServer.connections(),
      dropConnections(which) {
        if (which === undefined || which === 'login') loginServer.drop();
        if (which === undefined || which === NODE_HOST) nodeServer.drop();
      },
      pause: () => loginServer.pause(),
      resume: () => loginServer.resume(),
      stopApp: () => app.stop(),
      startApp: () => app.start(),
      close: () => (closing ??= teardown()),
    };
  } catch (err) {
    await teardown().catch(() => {});
    throw err;
  }
}
