import { createWriteStream } from 'node:fs';
import { up } from '../api.js';
import { TunnelError } from '../errors.js';
import { resolvePresetUp, startPreset } from '../presets/index.js';
import { spawnSsh, type SpawnSsh } from '../ssh/process.js';
import { transferLock } from '../state/lock.js';
import { identifyProcess, type ProcessIdentity } from '../state/process-check.js';
import { removeTunnelDir, writeRecord, type TunnelRecord } from '../state/record.js';
import type { Tunnel } from '../supervise/tunnel.js';
import { notifyNeedsAuth } from './notify.js';
import { recordOf } from './record-of.js';
import { lockPath, logPath, readRequest, type SuperviseRequest } from './request.js';
import { redactTokens, writeSecretReport } from './secrets.js';

type PresetRecord = NonNullable<TunnelRecord['preset']>;

interface Started {
  tunnel: Tunnel;
  down(): Promise<void>;
  preset?: PresetRecord;
}

/**
 * The detached process behind `tunnel up -d`: owns the tunnel, publishes its record on
 * every change, and tears down on SIGTERM. Never prompts: reconnects run in BatchMode.
 */
export async function runSupervisor(name: string): Promise<number> {
  await transferLock(lockPath(name), identifyProcess() ?? { pid: process.pid });
  const log = createWriteStream(logPath(name), { flags: 'a', mode: 0o600 });
  const note = (text: string) => log.write(`${new Date().toISOString()} ${text}\n`);
  process.on('SIGHUP', () => note('ignoring SIGHUP (terminal closed)'));
  const request = await readRequest(name);
  const startedAt = new Date();
  let current: Started | undefined;
  // ssh processes are published the moment they exist, so a supervisor killed mid-start leaves none unfound.
  const live = new Map<number, ProcessIdentity>();
  // Writes are serialized: an older snapshot must never land after a newer one.
  let writing: Promise<void> = Promise.resolve();
  const save = (record: TunnelRecord) => {
    writing = writing.then(() => writeRecord(record)).catch((e: unknown) => void note(`cannot write state: ${String(e)}`));
  };
  const publish = () => save(current === undefined
    ? { ...emptyRecord(name, startedAt), state: 'starting', sshPids: [...live.keys()], sshProcesses: [...live.values()], lastError: undefined }
    : { ...recordOf(current.tunnel, name, [...live.values()]), ...(current.preset === undefined ? {} : { preset: { ...current.preset, report: redactTokens(current.preset.report) } }) });
  const spawn: SpawnSsh = (argv, options) => {
    const child = spawnSsh(argv, options);
    const pid = child.pid;
    if (pid !== undefined) {
      live.set(pid, identifyProcess(pid) ?? { pid });
      void child.exited.then(() => live.delete(pid));
      publish();
    }
    return child;
  };
  try {
    current = await start(request, spawn, note);
  } catch (error) {
    const failure = error instanceof TunnelError ? error : new TunnelError('SSH_EXITED', String(error));
    note(`failed: ${failure.message}`);
    save({ ...emptyRecord(name, startedAt), lastError: { code: failure.code, message: failure.message } });
    await writing;
    return 1;
  }
  const started = current;
  const { tunnel } = started;
  if (started.preset !== undefined) await writeSecretReport(name, started.preset.report);
  tunnel.on('state', (state: string, error?: TunnelError) => {
    note(`${state}${error ? `: ${error.message}` : ''}`);
    publish();
  });
  for (const argv of tunnel.plan.commands) note(`up: ${argv.join(' ')}`);
  publish();
  return new Promise((resolve) => {
    let stopping = false;
    // process.on, not once: execa's signal-exit hook re-raises a signal it sees no other listener for.
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      note(`${signal}: going down`);
      void started.down().then(async () => {
        await writing; // a queued write landing after the removal would recreate the directory
        await removeTunnelDir(name);
        resolve(0);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    tunnel.on('failed', () => resolve(1));
    // Waiting for a login is not the end: `tunnel auth NAME` authenticates from a terminal, then SIGUSR1.
    tunnel.on('needs-auth', () => {
      note(`needs a login: run 'tunnel auth ${name}' from a terminal`);
      void notifyNeedsAuth(name).then((shown) => note(shown ? 'desktop notification sent' : 'no desktop notification (notify-send missing or no display)'));
    });
    process.on('SIGUSR1', () => {
      note('SIGUSR1: retrying now');
      tunnel.retryNow();
    });
  });
}

/** A plain tunnel, or a preset's app and tunnel together (down stops both). Never prompts. */
async function start(request: SuperviseRequest, spawn: SpawnSsh, note: (text: string) => void): Promise<Started> {
  const upOptions = {
    // From the first attempt on: a relay fallback or a stale socket removed must reach the log.
    onLine: (line: string) => void (line.startsWith('debug') || note(`ssh: ${line}`)),
    readyTimeoutMs: request.readyTimeoutMs,
    reconnect: request.reconnect,
    maxRetries: request.maxRetries ?? Number.POSITIVE_INFINITY,
    healthIntervalMs: request.healthIntervalMs,
    spawn,
  };
  if (request.preset !== undefined) {
    const presetUp = await resolvePresetUp(request.preset.name, { ...request.preset.input, batchMode: true });
    const preset = await startPreset(presetUp, upOptions);
    return { tunnel: preset.tunnel, down: preset.down, preset: { name: request.preset.name, state: preset.session.state, report: preset.report } };
  }
  if (request.spec === undefined) throw new TunnelError('STATE_CORRUPT', 'the supervise request holds neither a tunnel nor a preset');
  const tunnel = await up({ ...request.spec, batchMode: true }, upOptions);
  return { tunnel, down: () => tunnel.down() };
}

function emptyRecord(name: string, startedAt: Date): TunnelRecord {
  return {
    name,
    supervisorPid: process.pid,
    supervisor: identifyProcess() ?? { pid: process.pid },
    state: 'failed',
    strategy: 'jump',
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
    lastError: undefined,
  };
}
