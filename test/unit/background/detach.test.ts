import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertNotRunning, prepareJobRun } from '../../../src/background/detach.js';
import { tunnelDir } from '../../../src/os/state-paths.js';
import { identifyProcess } from '../../../src/os/process-identity.js';
import { readRecord, writeRecord, type JobRecord, type TunnelRecord } from '../../../src/background/record.js';
import { lockPath } from '../../../src/background/request.js';
import { stopTunnel } from '../../../src/background/stop.js';
import { formatLock } from '../../../src/os/lock.js';
import { useChildren, useTempStateHome } from '../../support/state-home.js';

const CANCEL = ['ssh', '-T', 'login', 'scancel 42'];

/** The pid of a process that has already exited: a supervisor that was SIGKILLed. */
function deadPid(): number {
  const pid = spawnSync('true').pid;
  if (pid === undefined) throw new Error('no pid');
  return pid;
}

function deadRecord(job: Partial<JobRecord> = {}): TunnelRecord {
  const pid = deadPid();
  return {
    name: 'nb',
    supervisorPid: pid,
    supervisor: { pid, start: 'gone' },
    state: 'up',
    strategy: 'jump',
    route: ['login', 'node7'],
    forwards: [],
    sshPids: [],
    sshProcesses: [],
    localSockets: [],
    remoteCleanup: [],
    commands: [],
    startedAt: '2026-01-01T00:00:00Z',
    upSince: undefined,
    updatedAt: '2026-01-01T00:00:00Z',
    restarts: 0,
    lastError: undefined,
    job: {
      scheduler: 'slurm',
      id: '42',
      node: 'node7',
      state: 'RUNNING',
      reason: 'None',
      timeLeft: 600,
      seenAt: '2026-01-01T00:00:00Z',
      submitted: true,
      keepJob: false,
      cancel: CANCEL,
      ...job,
    },
  };
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('assertNotRunning / prepareJobRun', () => {
  const state = useTempStateHome('tnl-detach-');
  const children = useChildren();
  let savedPath: string | undefined;
  let sshLog: string;

  // A fake `ssh` first on PATH records every run, so a cancel that reached ssh is seen (and nothing leaves the machine).
  beforeEach(async () => {
    savedPath = process.env.PATH;
    const bin = join(state.home, 'bin');
    sshLog = join(state.home, 'ssh.log');
    await mkdir(bin);
    await writeFile(join(bin, 'ssh'), `#!/bin/sh\necho "$*" >> '${sshLog}'\n`);
    await chmod(join(bin, 'ssh'), 0o755);
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  const sshRuns = () =>
    readFile(sshLog, 'utf8').then(
      (text) => text.split('\n').filter(Boolean),
      () => [] as string[],
    );
  const holdLock = async (pid: number, start?: string) => {
    await mkdir(tunnelDir('nb'), { recursive: true, mode: 0o700 });
    await writeFile(
      lockPath('nb'),
      formatLock({ ...identifyProcess(pid)!, ...(start === undefined ? {} : { start }) }),
      { mode: 0o600 },
    );
  };

  it('assertNotRunning passes when nothing holds the name', async () => {
    await expect(assertNotRunning('nb')).resolves.toBeUndefined();
  });

  it('assertNotRunning refuses a name whose lock a live process holds: ALREADY_RUNNING naming it and the fix', async () => {
    const holder = await children.start('sleep', ['60']);
    await holdLock(holder.pid);
    await expect(assertNotRunning('nb')).rejects.toMatchObject({
      code: 'ALREADY_RUNNING',
      message: `nb is already running (pid ${holder.pid}); use another --name or 'tunnel down nb'`,
    });
  });

  it('assertNotRunning passes when the lock names a live pid with another start time (recycled)', async () => {
    const other = await children.start('sleep', ['60']);
    await holdLock(other.pid, '1');
    await expect(assertNotRunning('nb')).resolves.toBeUndefined();
  });

  it('assertNotRunning rejects a name that would escape the state directory, creating nothing', async () => {
    await expect(assertNotRunning('../x')).rejects.toMatchObject({ name: 'TunnelError' });
    expect(await exists(join(state.home, 'tunnels'))).toBe(false);
  });

  it('prepareJobRun refuses a live run and leaves its record (and its job cancel) alone', async () => {
    const holder = await children.start('sleep', ['60']);
    await writeRecord(deadRecord());
    await holdLock(holder.pid);
    await expect(prepareJobRun('nb')).rejects.toMatchObject({ code: 'ALREADY_RUNNING' });
    expect((await readRecord('nb'))?.job?.cancel).toEqual(CANCEL);
    expect(await sshRuns()).toEqual([]);
  });

  it('prepareJobRun clears a dead run but never cancels its job: this run may reuse it', async () => {
    await writeRecord(deadRecord());
    await prepareJobRun('nb');
    expect(await exists(tunnelDir('nb'))).toBe(false);
    expect(await sshRuns()).toEqual([]);
  });

  it('(the fake ssh does see a cancel: down on the same dead run cancels the job)', async () => {
    await writeRecord(deadRecord());
    await stopTunnel('nb');
    expect(await sshRuns()).toEqual([CANCEL.slice(1).join(' ')]);
  });

  it('prepareJobRun with no earlier run does nothing', async () => {
    await prepareJobRun('nb');
    expect(await exists(tunnelDir('nb'))).toBe(false);
    expect(await sshRuns()).toEqual([]);
  });
});
