import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stopAll, stopTunnel } from '../../../src/background/stop.js';
import { stopScript } from '../../../src/presets/server/server-scripts.js';
import { remoteShell } from '../../../src/plan/remote-shell.js';
import { tunnelDir } from '../../../src/os/state-paths.js';
import { writeRecord, type TunnelRecord } from '../../../src/background/record.js';
import { fakeRun } from '../../support/fake-run.js';

const CLEAN_A = ['ssh', '-T', '-o', 'BatchMode=yes', '-J', 'login', 'node7', remoteShell('rm -f -- /tmp/a.sock')];
const CLEAN_B = ['ssh', '-T', '-o', 'BatchMode=yes', '-J', 'login', 'node7', remoteShell('rm -f -- /tmp/b.sock')];
const APP_DIR = '/tmp/tnl-jupyter-abc123';

/** The pid of a process that has already exited: a supervisor that was SIGKILLed. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  if (pid === undefined) throw new Error('no pid');
  return pid;
}

function recordOf(name: string, over: Partial<TunnelRecord>): TunnelRecord {
  const pid = deadPid();
  return {
    name,
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
    ...over,
  };
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('stopTunnel after a dead supervisor, with a fake runner', () => {
  let home: string;
  let saved: string | undefined;
  let server: Server;
  let socket: string;
  beforeEach(async () => {
    saved = process.env.TUNNEL_HOME;
    home = await mkdtemp(join(tmpdir(), 'tnl-stop-'));
    process.env.TUNNEL_HOME = home;
    socket = join(home, 'local.sock');
    server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.TUNNEL_HOME;
    else process.env.TUNNEL_HOME = saved;
    await new Promise((resolve) => server.close(resolve));
    await rm(home, { recursive: true, force: true });
  });

  it('stops the preset app first, then removes the remote sockets in order, the local socket and the record', async () => {
    const preset = {
      preset: 'jupyter',
      via: ['login'],
      to: 'node7',
      sshConfig: undefined,
      dir: APP_DIR,
      pid: 4242,
      keep: false,
    };
    await writeRecord(
      recordOf('lab', {
        localSockets: [socket],
        remoteCleanup: [CLEAN_A, CLEAN_B],
        preset: { name: 'jupyter', state: preset, report: { lines: [], json: {} } },
      }),
    );
    const { run, calls } = fakeRun();
    expect(await stopTunnel('lab', { run })).toEqual({ name: 'lab', how: 'cleaned-after-dead-supervisor', jobs: [] });
    expect(calls.map((c) => c.argv)).toEqual([
      [
        'ssh',
        '-T',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=10',
        '-o',
        'ControlMaster=no',
        '-o',
        'ControlPath=none',
        '-J',
        'login',
        'node7',
        remoteShell(stopScript(APP_DIR)),
      ],
      CLEAN_A,
      CLEAN_B,
    ]);
    expect(calls.map((c) => c.options.timeoutMs)).toEqual([30_000, 15_000, 15_000]);
    expect(await exists(socket)).toBe(false);
    expect(await exists(tunnelDir('lab'))).toBe(false);
  });

  it('a preset stop that fails (node unreachable) still leaves nothing behind locally and still runs the cleanup', async () => {
    const preset = {
      preset: 'jupyter',
      via: [],
      to: 'node7',
      sshConfig: '/etc/cfg',
      dir: APP_DIR,
      pid: 4242,
      keep: false,
    };
    await writeRecord(
      recordOf('lab', {
        remoteCleanup: [CLEAN_A],
        preset: { name: 'jupyter', state: preset, report: { lines: [], json: {} } },
      }),
    );
    const { run, calls } = fakeRun((_, i) =>
      i === 0 ? { exitCode: 255, stderr: 'ssh: connect to host node7 port 22: No route to host' } : {},
    );
    await stopTunnel('lab', { run });
    expect(calls.map((c) => c.argv)).toEqual([
      [
        'ssh',
        '-T',
        '-F',
        '/etc/cfg',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=10',
        '-o',
        'ControlMaster=no',
        '-o',
        'ControlPath=none',
        'node7',
        remoteShell(stopScript(APP_DIR)),
      ],
      CLEAN_A,
    ]);
    expect(await exists(tunnelDir('lab'))).toBe(false);
  });

  it('a kept app (--keep) is left running: only the sockets are cleaned', async () => {
    const preset = {
      preset: 'jupyter',
      via: ['login'],
      to: 'node7',
      sshConfig: undefined,
      dir: APP_DIR,
      pid: 4242,
      keep: true,
    };
    await writeRecord(
      recordOf('lab', {
        remoteCleanup: [CLEAN_B],
        preset: { name: 'jupyter', state: preset, report: { lines: [], json: {} } },
      }),
    );
    const { run, calls } = fakeRun();
    await stopTunnel('lab', { run });
    expect(calls.map((c) => c.argv)).toEqual([CLEAN_B]);
  });

  it.each([
    ['cancelled', { exitCode: 0 }, { cancelled: true }],
    [
      'refused',
      { exitCode: 1, stderr: 'scancel: error: Kill job error on job id 31: Access/permission denied' },
      { cancelled: false, error: 'scancel: error: Kill job error on job id 31: Access/permission denied' },
    ],
  ])(
    "the tunnel's own job, from the record: scancel runs before the socket cleanup and is reported (%s)",
    async (_, answer, outcome) => {
      const cancel = ['ssh', '-T', '-o', 'BatchMode=yes', 'login', remoteShell('scancel 31')];
      await writeRecord(
        recordOf('jobbed', {
          remoteCleanup: [CLEAN_A],
          job: {
            scheduler: 'slurm',
            id: '31',
            node: 'node7',
            state: 'RUNNING',
            reason: '',
            timeLeft: 100,
            seenAt: '2026-01-01T00:00:00Z',
            submitted: true,
            keepJob: false,
            cancel,
          },
        }),
      );
      const { run, calls } = fakeRun((call) => (call.argv.join(' ') === cancel.join(' ') ? answer : {}));
      const result = await stopTunnel('jobbed', { run });
      expect(calls.map((c) => c.argv)).toEqual([cancel, CLEAN_A]);
      expect(result.jobs).toEqual([{ id: '31', what: 'the job of this tunnel, on node7', ...outcome }]);
    },
  );

  it('a corrupt record is cleared without running any of its commands', async () => {
    await writeRecord(recordOf('bad', { remoteCleanup: [['rm', '-rf', '/']] }));
    const { run, calls } = fakeRun();
    expect(await stopTunnel('bad', { run })).toEqual({ name: 'bad', how: 'cleaned-after-dead-supervisor', jobs: [] });
    expect(calls).toEqual([]);
    expect(await exists(tunnelDir('bad'))).toBe(false);
  });

  it('stopAll stops every tunnel in name order with the same runner', async () => {
    await writeRecord(recordOf('b', { remoteCleanup: [CLEAN_B] }));
    await writeRecord(recordOf('a', { remoteCleanup: [CLEAN_A] }));
    const { run, calls } = fakeRun();
    expect((await stopAll({ run })).map((r) => r.name)).toEqual(['a', 'b']);
    expect(calls.map((c) => c.argv)).toEqual([CLEAN_A, CLEAN_B]);
  });

  it('an unknown name is NOT_FOUND and runs nothing', async () => {
    const { run, calls } = fakeRun();
    await expect(stopTunnel('nope', { run })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(calls).toEqual([]);
  });
});
