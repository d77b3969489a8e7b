import { descendants, killPids, sleep } from '../out/harness/proc.js';
import { LOGIN } from './env.js';
import { IMPLS } from './impls.js';
import { now } from './net-client.js';
import { spawnTracked, stopWithDescendants } from './procs.js';

// Three ways to keep `ssh -R 0:127.0.0.1:PORT ...` up for one session with several forwards.
// Each handle's port(i) is the port the far side allocated for targets[i] as the supervisor reports it now.
export const KEEPALIVE = { interval: 2, count: 2 };
export const CONNECT_TIMEOUT = 10;
export const LOOP_SLEEP_S = 1;

const sshOptions = () => [
  '-o',
  `ServerAliveInterval=${KEEPALIVE.interval}`,
  '-o',
  `ServerAliveCountMax=${KEEPALIVE.count}`,
  '-o',
  `ConnectTimeout=${CONNECT_TIMEOUT}`,
  '-o',
  'ExitOnForwardFailure=yes',
  '-o',
  'BatchMode=yes',
];
const remoteArgs = (targets) => targets.flatMap((port) => ['-R', `0:127.0.0.1:${port}`]);
const shQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

export const REVERSE_BUILDERS = {
  /** tunnel: library up() with -R 0; it pins the ports first allocated and asks for them again on reconnect. */
  tunnel: {
    label: 'tunnel',
    async start(env, targets) {
      const handle = await IMPLS.tunnel.start(
        env,
        {
          to: LOGIN,
          remote: targets.map((port) => `0:127.0.0.1:${port}`),
          keepalive: KEEPALIVE.interval,
          keepaliveCount: KEEPALIVE.count,
          connectTimeout: CONNECT_TIMEOUT,
        },
        { healthIntervalMs: 0 },
      );
      return { port: (i) => handle.tunnel.forwards()[i]?.allocatedPort, stop: handle.stop };
    },
  },
  /** The loop people type: ssh again a second after it exits. ssh -R 0 gets whatever port the server picks. */
  sshLoop: {
    label: `ssh in a shell loop (sleep ${LOOP_SLEEP_S})`,
    async start(env, targets) {
      const ssh = ['ssh', '-F', env.sshConfig, '-N', ...remoteArgs(targets), ...sshOptions(), LOGIN]
        .map(shQuote)
        .join(' ');
      const loop = spawnTracked('sh', ['-c', `while :; do ${ssh}; sleep ${LOOP_SLEEP_S}; done`], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      return { ...(await watchAllocations(loop, targets)), stop: () => stopLoop(loop) };
    },
  },
  /** autossh -M 0 with the same ssh options; AUTOSSH_GATETIME=0 or it gives up on an early death. */
  autossh: {
    label: 'autossh -M 0',
    async start(env, targets) {
      const args = ['-M', '0', '-F', env.sshConfig, '-N', ...remoteArgs(targets), ...sshOptions(), LOGIN];
      return watchAllocations(
        spawnTracked('autossh', args, {
          stdio: ['ignore', 'ignore', 'pipe'],
          env: { ...process.env, AUTOSSH_GATETIME: '0' },
        }),
        targets,
      );
    },
  },
};

/** Freeze the loop first, so it cannot start another ssh between listing its children and killing them. */
async function stopLoop(loop) {
  if (loop.exitCode !== null || loop.signalCode !== null) return;
  process.kill(loop.pid, 'SIGSTOP');
  const tree = (await descendants(loop.pid)).map((p) => p.pid);
  await killPids([loop.pid, ...tree], 'SIGKILL');
  await loop.exitedPromise;
}

/** ssh prints "Allocated port N for remote forward to 127.0.0.1:T" for each -R 0, on every (re)connect. */
async function watchAllocations(child, targets) {
  const ports = new Map();
  let tail = '';
  child.stderr.on('data', (chunk) => {
    tail += chunk;
    for (const m of tail.matchAll(/Allocated port (\d+) for remote forward to 127\.0\.0\.1:(\d+)/g))
      ports.set(Number(m[2]), Number(m[1]));
    tail = tail.slice(tail.lastIndexOf('\n') + 1);
  });
  const handle = { port: (i) => ports.get(targets[i]), stop: () => stopWithDescendants(child) };
  const deadline = now() + 15_000;
  while (targets.some((_, i) => handle.port(i) === undefined) && now() < deadline) await sleep(25);
  return handle;
}
