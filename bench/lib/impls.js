import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { up } from '../../dist/index.js';
import { defer, spawnTracked, stopChild } from './procs.js';

/**
 * The ways a forward gets built. start() resolves once the builder says it is ready
 * (callers then wait for a real echo); the handle's stop() tears it down.
 */
export const IMPLS = {
  /** The library: up() from dist/index.js, in this process. */
  tunnel: {
    title: 'tunnel (library up())',
    async start(env, options, upOptions = {}) {
      const tunnel = await up(
        { ...options, sshConfig: env.sshConfig, batchMode: true },
        { readyTimeoutMs: 20_000, ...upOptions },
      );
      const undefer = defer(() => tunnel.down());
      return {
        tunnel,
        pids: () => tunnel.pids(),
        stop: async () => {
          undefer();
          await tunnel.down();
        },
      };
    },
  },
  /** The same forward typed by hand: plain ssh, nothing else. */
  raw: {
    title: 'ssh by hand',
    async start(env, args, { stdinOpen = false } = {}) {
      return startProcess('ssh', ['-F', env.sshConfig, ...args], { stdinOpen });
    },
  },
  /** The npm alternative: tunnel-ssh (an ssh2 relay in Node), in its own process like ssh. */
  tunnelSsh: {
    title: 'tunnel-ssh (npm, ssh2)',
    async start(env, { port, targetPort }) {
      const script = fileURLToPath(new URL('../children/tunnel-ssh.js', import.meta.url));
      const spec = {
        host: '127.0.0.1',
        sshPort: env.login.port,
        username: env.login.user,
        keyPath: env.login.clientKeyPath,
        hostKey: env.login.hostPublicKey,
        port,
        targetPort,
      };
      const handle = startProcess(process.execPath, [script, JSON.stringify(spec)], { stdout: true });
      await readyLine(handle.child, 15_000);
      return handle;
    },
  },
};

export async function isTunnelSshInstalled() {
  return import('tunnel-ssh').then(
    () => true,
    () => false,
  );
}

function startProcess(file, args, { stdinOpen = false, stdout = false } = {}) {
  const child = spawnTracked(file, args, {
    stdio: [stdinOpen ? 'pipe' : 'ignore', stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  return { child, pids: () => [child.pid], stderr: () => stderr, stop: () => stopChild(child) };
}

function readyLine(child, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'ready' within ${timeoutMs} ms`)), timeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line !== 'ready') return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before ready`)));
  });
}
