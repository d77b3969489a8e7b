import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendants } from '../out/harness/proc.js';
import { forwardPort } from './ports.js';
import { startSshd, writeClientConfig } from '../out/harness/sshd.js';
import { defer, spawnTracked, stopChild } from './procs.js';

export const LOGIN = 'bench-login';
export const NODE = 'bench-node';
// Up to 200 tunnels start at once; sshd's default MaxStartups (10:30:100) would drop most of them.
const SSHD_EXTRA = ['MaxStartups 1000:30:1000', 'LogLevel ERROR'];

/**
 * Two loopback sshds (login and node, node reachable through login with -J), one client
 * config with pre-populated known_hosts, and the echo/stream server every route ends at.
 * isolation: { netns, privateHome } from isolate.js.
 */
export async function startEnv(isolation) {
  const dir = await mkdtemp(join(os.tmpdir(), 'tnl-bench-'));
  const closers = [() => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const fn of closers.splice(0).reverse()) await fn().catch(() => undefined);
  };
  // Registered first, so it runs last: after every tunnel has been taken down.
  defer(close);
  try {
    const login = await startSshd({ alias: LOGIN, extraConfig: SSHD_EXTRA });
    closers.push(() => login.stop());
    const node = await startSshd({ alias: NODE, clientKeyPath: login.clientKeyPath, extraConfig: SSHD_EXTRA });
    closers.push(() => node.stop());
    const sshConfig = await writeClientConfig(dir, [login, node]);
    // The relay's inner ssh runs on "login" as us and reads ~/.ssh/config: only a private home may get one.
    if (isolation.privateHome) await installHomeConfig(sshConfig);
    const server = await startServer(join(dir, 'app.sock'));
    closers.push(() => stopChild(server.child));
    const blackhole = isolation.netns ? nftBlackhole(login.port) : stopBlackhole(login);
    closers.push(() => blackhole.set(false));
    return {
      dir,
      login,
      node,
      sshConfig,
      server: { port: server.port, path: server.path },
      relay: isolation.privateHome,
      isolated: isolation.netns,
      blackholeKind: blackhole.kind,
      setBlackhole: blackhole.set,
      close,
      forwardPort,
      sshdChildren: () => sshdChildren(login),
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function installHomeConfig(sshConfig) {
  const dot = join(os.homedir(), '.ssh');
  await mkdir(dot, { recursive: true, mode: 0o700 });
  await copyFile(sshConfig, join(dot, 'config'));
}

async function startServer(path) {
  const script = fileURLToPath(new URL('../children/server.js', import.meta.url));
  const child = spawnTracked(process.execPath, [script, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench server did not start in 10 s')), 10_000);
    createInterface({ input: child.stdout }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once('exit', () => reject(new Error('bench server exited')));
  });
  return { child, ...JSON.parse(line) };
}

/** Per-connection sshd processes under login's listener. */
async function sshdChildren(login) {
  return (await descendants(login.pid)).filter((p) => p.comm === 'sshd').map((p) => p.pid);
}

/** Silent drop of everything to and from login's port (no RST, no ICMP), in our private netns only. */
function nftBlackhole(port) {
  const table = 'tnlbench';
  let on = false;
  const nft = (script) => {
    const r = spawnSync('nft', ['-f', '-'], { input: script, encoding: 'utf8', timeout: 5000 });
    if (r.status !== 0) throw new Error(`nft failed: ${r.stderr}`);
  };
  return {
    kind: 'nftables drop of the sshd port on loopback (private network namespace)',
    async set(wanted) {
      if (wanted === on) return;
      if (wanted) {
        nft(
          `table inet ${table} {\n chain input {\n  type filter hook input priority -10; policy accept;\n  tcp dport ${port} drop\n  tcp sport ${port} drop\n }\n}\n`,
        );
      } else {
        nft(`delete table inet ${table}\n`);
      }
      on = wanted;
    },
  };
}

/** Without root: SIGSTOP the per-connection sshd processes (a hung server; the kernel still ACKs). */
function stopBlackhole(login) {
  let stopped = [];
  return {
    kind: 'SIGSTOP of the per-connection sshd processes (no root: a hung server; TCP is still ACKed and new connections are accepted, so recovery can come before the lift)',
    async set(wanted) {
      if (wanted && stopped.length === 0) {
        stopped = await sshdChildren(login);
        for (const pid of stopped) process.kill(pid, 'SIGSTOP');
      } else if (!wanted) {
        for (const pid of stopped.splice(0)) {
          try {
            process.kill(pid, 'SIGCONT');
          } catch {
            // already gone
          }
        }
      }
    },
  };
}
