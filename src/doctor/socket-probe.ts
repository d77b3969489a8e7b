import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { join } from 'node:path';
import type { SpawnSsh } from '../ssh/process.js';
import { cleanupArgv, rebindArgv, socketArgv, type ProbeTarget } from './argv.js';
import type { Outcome, SocketProbe } from './remote-checks.js';
import { runProbe } from './run.js';
import type { ProbeRun } from './types.js';

export interface SocketProbeResult {
  probe: SocketProbe;
  /** The second bind of the same remote path (StreamLocalBindUnlink), when the first worked. */
  rebind: ProbeRun | undefined;
}

const REFUSED_BIND = /remote port forwarding failed for listen path/;

/**
 * The whole socket story in two connections. First: -R binds /tmp/tnl-doctor-*.sock on the
 * host (pointing at a socket we listen on here) and -L points a local entry at it; a
 * connection to the entry must come back to us. Second: bind the same path again, which
 * only works with StreamLocalBindUnlink yes (sshd leaves the first one behind), then remove it.
 */
export async function probeSockets(
  spawn: SpawnSsh,
  target: ProbeTarget,
  localDir: string,
  timeoutMs: number,
): Promise<SocketProbeResult> {
  const paths = {
    remote: `/tmp/tnl-doctor-${randomBytes(6).toString('hex')}.sock`,
    localTarget: join(localDir, 't.sock'),
    localEntry: join(localDir, 'e.sock'),
  };
  const server = net.createServer();
  const arrived = new Promise<true>((resolve) =>
    server.once('connection', (socket) => {
      socket.destroy();
      resolve(true);
    }),
  );
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(paths.localTarget, resolve));
  try {
    let roundTrip: Promise<Outcome> | undefined;
    const first = await runProbe(spawn, socketArgv(target, paths), {
      timeoutMs,
      keepStdinOpen: true,
      onLine: (line, stream, child) => {
        if (stream !== 'stdout' || line !== 'ready' || roundTrip !== undefined) return;
        roundTrip = connectThrough(paths.localEntry, arrived, 3000).finally(() => void child.stop(1000));
      },
    });
    const trip = roundTrip === undefined ? 'unknown' : await roundTrip;
    const remoteBind: Outcome = first.stderr.some((l) => REFUSED_BIND.test(l))
      ? 'refused'
      : first.stdout.includes('ready')
        ? 'ok'
        : 'unknown';
    const message = first.stderr.filter((l) => !/^Warning: Permanently added/.test(l)).pop();
    // A closed entry alone proves nothing; OpenSSH's "open failed" says the host refused the channel.
    const refused = first.stderr.some((l) => /open failed/.test(l));
    const probe: SocketProbe = {
      remoteBind,
      roundTrip: trip === 'ok' ? 'ok' : refused ? 'refused' : 'unknown',
      ...(message === undefined ? {} : { message }),
    };
    if (remoteBind !== 'ok') return { probe, rebind: undefined };
    const rebind = await runProbe(spawn, rebindArgv(target, paths), { timeoutMs });
    if (!rebind.stdout.includes('rebound')) await runProbe(spawn, cleanupArgv(target, paths.remote), { timeoutMs });
    return { probe, rebind };
  } finally {
    server.close();
  }
}

/** Connects to the local entry; 'ok' once the connection arrives at our target through the host. */
async function connectThrough(entry: string, arrived: Promise<true>, timeoutMs: number): Promise<Outcome> {
  const socket = net.connect(entry);
  socket.on('error', () => undefined);
  socket.write('tunnel doctor\n');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve('unknown'), timeoutMs);
  });
  // Closed without arriving: give ssh's stderr a moment to explain before we stop it.
  const closed = new Promise<Outcome>((resolve) =>
    socket.once('close', () => setTimeout(() => resolve('unknown'), 200)),
  );
  try {
    return await Promise.race([arrived.then((): Outcome => 'ok'), timeout, closed]);
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}
