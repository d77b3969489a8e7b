import { createWriteStream } from 'node:fs';
import { up } from '../api.js';
import { TunnelError } from '../errors.js';
import { transferLock } from '../state/lock.js';
import { removeTunnelDir, writeRecord } from '../state/record.js';
import { recordOf } from './record-of.js';
import { lockPath, logPath, readRequest } from './request.js';

/**
 * The detached process behind `tunnel up -d`: owns the tunnel, publishes its record on
 * every change, and tears down on SIGTERM. Never prompts: reconnects run in BatchMode.
 */
export async function runSupervisor(name: string): Promise<number> {
  await transferLock(lockPath(name), process.pid);
  const log = createWriteStream(logPath(name), { flags: 'a', mode: 0o600 });
  const note = (text: string) => log.write(`${new Date().toISOString()} ${text}\n`);
  process.on('SIGHUP', () => note('ignoring SIGHUP (terminal closed)'));
  const request = await readRequest(name);
  const startedAt = new Date();
  let tunnel;
  try {
    tunnel = await up({ ...request.spec, batchMode: true }, {
      readyTimeoutMs: request.readyTimeoutMs,
      reconnect: request.reconnect,
      healthIntervalMs: request.healthIntervalMs,
      maxRetries: request.maxRetries ?? Number.POSITIVE_INFINITY,
    });
  } catch (error) {
    const failure = error instanceof TunnelError ? error : new TunnelError('SSH_EXITED', String(error));
    note(`failed: ${failure.message}`);
    await writeRecord({ ...emptyRecord(name, startedAt), lastError: { code: failure.code, message: failure.message } });
    return 1;
  }
  const publish = () => void writeRecord(recordOf(tunnel, name)).catch((e: unknown) => note(`cannot write state: ${String(e)}`));
  tunnel.on('line', (line: string) => {
    if (!line.startsWith('debug')) note(`ssh: ${line}`);
  });
  tunnel.on('state', (state: string, error?: TunnelError) => {
    note(`${state}${error ? `: ${error.message}` : ''}`);
    publish();
  });
  for (const argv of tunnel.mux === undefined ? [tunnel.plan.tunnel.argv] : [tunnel.mux.master, tunnel.mux.forward]) note(`up: ${argv.join(' ')}`);
  publish();
  return new Promise((resolve) => {
    let stopping = false;
    // process.on, not once: execa's signal-exit hook re-raises a signal it sees no other listener for.
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      note(`${signal}: going down`);
      void tunnel.down().then(async () => {
        await removeTunnelDir(name);
        resolve(0);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    tunnel.on('failed', () => resolve(1));
    tunnel.on('needs-auth', () => resolve(1));
  });
}

function emptyRecord(name: string, startedAt: Date) {
  return {
    name,
    supervisorPid: process.pid,
    state: 'failed' as const,
    strategy: 'jump' as const,
    route: [],
    forwards: [],
    sshPids: [],
    localSockets: [],
    remoteCleanup: [],
    commands: [],
    startedAt: startedAt.toISOString(),
    upSince: undefined,
    updatedAt: new Date().toISOString(),
    restarts: 0,
  };
}
