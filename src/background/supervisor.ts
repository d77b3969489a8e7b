import { createWriteStream } from 'node:fs';
import { TunnelError } from '../errors.js';
import { transferLock } from '../os/lock.js';
import { identifyProcess, type ProcessIdentity } from '../os/process-identity.js';
import { describeJobEvent } from '../scheduler/describe.js';
import { openSession } from '../session/open.js';
import type { PresetRecord, Session } from '../session/types.js';
import type { SpawnSsh } from '../ssh/process.js';
import { sshRunner } from '../ssh/runner.js';
import { removeTunnelDir, writeRecord, type TunnelRecord } from './record.js';
import { notifyNeedsAuth } from './notify.js';
import { recordOf } from './record-of.js';
import { lockPath, logPath, readRequest } from './request.js';
import { redactTokens, writeSecretReport } from './secrets.js';
import { writeStopNote } from './stop-note.js';

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
  let current: Session | undefined;
  /** Set once a scheduler job has ended: the record keeps saying why after the tunnel is down. */
  let endedBy: TunnelError | undefined;
  // ssh processes are published the moment they exist, so a supervisor killed mid-start leaves none unfound.
  const live = new Map<number, ProcessIdentity>();
  // Writes are serialized: an older snapshot must never land after a newer one.
  let writing: Promise<void> = Promise.resolve();
  const save = (record: TunnelRecord) => {
    writing = writing
      .then(() => writeRecord(record, undefined, { existing: true }))
      .catch((e: unknown) => void note(`cannot write state: ${String(e)}`));
  };
  const publish = () =>
    save(
      current === undefined
        ? {
            ...emptyRecord(name, startedAt),
            state: 'starting',
            sshPids: [...live.keys()],
            sshProcesses: [...live.values()],
            lastError: undefined,
          }
        : withOutcome({ ...recordOf(current.tunnel(), name, [...live.values()]), ...recordFields(current) }, endedBy),
    );
  const ssh = sshRunner();
  const spawn: SpawnSsh = (argv, options) => {
    const child = ssh.spawn(argv, options);
    const pid = child.pid;
    if (pid !== undefined) {
      live.set(pid, identifyProcess(pid) ?? { pid });
      void child.exited.then(() => live.delete(pid));
      publish();
    }
    return child;
  };
  try {
    current = await openSession(request.session, {
      ...request.run,
      unattended: true,
      ssh: { run: ssh.run, spawn },
      // From the first attempt on: a relay fallback or a stale socket removed must reach the log.
      onLine: (line: string) => void (line.startsWith('debug') || note(`ssh: ${line}`)),
      onProgress: note,
      onEvent: (event) => note(describeJobEvent(event)),
      onLook: () => publish(),
    });
    current.onMoved((moved) => {
      const job = moved.job()?.job();
      note(`job ${job?.id ?? '?'} was requeued and runs again on ${job?.node ?? '?'}`);
      watchTunnel();
    });
  } catch (error) {
    const failure = error instanceof TunnelError ? error : new TunnelError('SSH_EXITED', String(error));
    note(`failed: ${failure.message}`);
    save({ ...emptyRecord(name, startedAt), lastError: { code: failure.code, message: failure.message } });
    await writing;
    return 1;
  }
  const started = current;
  let stopping = false;
  let finished: (code: number) => void = () => undefined;
  /** A job's tunnel ends as a whole: tunnel down, the job cancelled (unless kept or over), the record saying why. */
  const endWith = async (error: TunnelError, what: string) => {
    if (stopping) return;
    stopping = true;
    note(`${what}: ${error.message}`);
    await started.down().catch((e: unknown) => void note(`teardown: ${String(e)}`));
    endedBy = error;
    publish();
    await writing;
    finished(1);
  };
  /** Follows the tunnel in force: its states reach the log and the record; its failure ends the supervisor. */
  let first = true;
  const watchTunnel = () => {
    const tunnel = started.tunnel();
    const preset = started.record().preset;
    // Only the `up -d` that started it reads the unredacted report, before the record says up; never rewritten.
    if (preset !== undefined && first)
      writing = writing
        .then(() => writeSecretReport(name, preset.report))
        .catch((e: unknown) => void note(`cannot write the report: ${String(e)}`));
    first = false;
    tunnel.on('state', (state: string, error?: TunnelError) => {
      note(`${state}${error ? `: ${error.message}` : ''}`);
      publish();
    });
    tunnel.on('failed', (error?: TunnelError) => {
      if (started.ended === undefined || error === undefined) finished(1);
      else void endWith(error, 'the tunnel to the job failed');
    });
    tunnel.on('needs-auth', () => {
      note(`needs a login: run 'tunnel auth ${name}' from a terminal`);
      void notifyNeedsAuth(name).then((shown) =>
        note(shown ? 'desktop notification sent' : 'no desktop notification (notify-send missing or no display)'),
      );
    });
    for (const argv of tunnel.plan.commands) note(`up: ${argv.join(' ')}`);
    publish();
  };
  watchTunnel();
  return new Promise((resolve) => {
    finished = resolve;
    // process.on, not once: execa's signal-exit hook re-raises a signal it sees no other listener for.
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      note(`${signal}: going down`);
      void started
        .down()
        .catch((error: unknown) => void note(`teardown: ${error instanceof Error ? error.message : String(error)}`))
        .then(async () => {
          await writing; // a queued write landing after the removal would recreate the directory
          // The `down` that sent the signal says what became of the job; the directory goes, so the note sits beside it.
          const cancelled = started.cancelled();
          if (cancelled !== undefined)
            await writeStopNote(name, [cancelled]).catch(
              (e: unknown) => void note(`cannot write the stop note: ${String(e)}`),
            );
          await removeTunnelDir(name);
          resolve(0);
        });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // The job ended (walltime, scancel, node failure): the tunnel ends with it and the record says why.
    void started.ended?.then((error) => endWith(error, 'the job ended'));
    // Waiting for a login is not the end: `tunnel auth NAME` authenticates from a terminal, then SIGUSR1.
    process.on('SIGUSR1', () => {
      note('SIGUSR1: retrying now');
      started.tunnel().retryNow();
    });
  });
}

/** The session's own fields: the job as last seen, the preset with its report's secrets redacted. */
function recordFields(session: Session): Partial<TunnelRecord> {
  const { preset, job } = session.record();
  return { ...(job === undefined ? {} : { job }), ...(preset === undefined ? {} : { preset: redacted(preset) }) };
}

function redacted(preset: PresetRecord): NonNullable<TunnelRecord['preset']> {
  return { ...preset, report: redactTokens(preset.report) };
}

/** After a job ended, the record says so (failed, and why) rather than the tunnel's own 'down'. */
function withOutcome(record: TunnelRecord, endedBy: TunnelError | undefined): TunnelRecord {
  return endedBy === undefined
    ? record
    : { ...record, state: 'failed', lastError: { code: endedBy.code, message: endedBy.message } };
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
