import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { planJob } from '../../../src/scheduler/job-plan.js';
import type { JobInfo, Poll, Scheduler } from '../../../src/scheduler/types.js';
import type { ExitInfo, SpawnSsh } from '../../../src/ssh/process.js';
import { localPortOf, startJobSession } from '../../../src/scheduler/job-session.js';
import { useTempStateHome } from '../../support/state-home.js';

const READY = [
  'Authenticated to login',
  'debug1: Local forwarding listening on 127.0.0.1 port 1.',
  'debug1: Entering interactive session.',
];

/** A scripted ssh that reports the tunnel ready and logs when it is stopped. */
function scriptedSsh(log: string[]): SpawnSsh {
  return () => {
    let die: (info: ExitInfo) => void = () => {};
    const exited = new Promise<ExitInfo>((resolve) => (die = resolve));
    const listeners: Array<(line: string, stream: 'stderr' | 'stdout') => void> = [];
    setTimeout(() => READY.forEach((line) => listeners.forEach((l) => l(line, 'stderr'))), 5);
    return {
      pid: 1001,
      onLine: (listener) => void listeners.push(listener),
      exited,
      stop: async () => {
        log.push('tunnel stopped');
        die({ exitCode: null, signal: 'SIGTERM' });
        return exited;
      },
    };
  };
}

const running: JobInfo = {
  id: '7',
  state: 'RUNNING',
  reason: '',
  node: 'node7',
  timeLeft: 600,
  user: 'me',
  terminal: false,
  running: true,
};

function scheduler(log: string[], cancel: () => Promise<void> = async () => undefined): Scheduler {
  return {
    name: 'fake',
    submit: async () => ({ id: '7', reused: false }),
    poll: async (): Promise<Poll> => ({ job: running, notes: {}, me: 'me' }),
    tell: async () => undefined,
    cancel: async (id) => {
      log.push(`cancel ${id}`);
      await cancel();
    },
  };
}

const plan = () =>
  planJob(
    { via: 'login', slurm: '-t 5', run: 'sleep 60', local: ['1:localhost:8888'], poll: 3600 },
    { title: 't', dir: '/tmp/tnl-job-x', socket: '', command: 'sleep 60' },
    '{title}{dir}{socket}{command}{waitport}',
    '/tmp/state',
  );
const job = { id: '7', node: 'node7', info: running, notes: {}, submitted: true };

describe('JobSession.down', () => {
  useTempStateHome('tnl-job-session-');

  it('cancels the job this tool submitted before the tunnel closes (a pvserver losing its client would end the job COMPLETED first)', async () => {
    const log: string[] = [];
    const session = await startJobSession({
      scheduler: scheduler(log),
      plan: plan(),
      job,
      presetName: undefined,
      input: {},
      upOptions: { ssh: { spawn: scriptedSsh(log) }, readyTimeoutMs: 2000, healthIntervalMs: 0 },
    });
    expect(session.tunnel().state).toBe('up');
    expect(session.cancelled()).toBeUndefined();
    await session.down();
    expect(log).toEqual(['cancel 7', 'tunnel stopped']);
    expect(session.tunnel().state).toBe('down');
    expect(session.cancelled()).toEqual({ id: '7', what: 'the job of this tunnel, on node7', cancelled: true });
  });

  it('a failed scancel still takes the tunnel down, then reports the failure', async () => {
    const log: string[] = [];
    const failing = scheduler(log, async () => {
      throw new TunnelError(
        'JOB_REFUSED',
        'scancel 7 on login failed: Connection refused; cancel it with: ssh login scancel 7',
        { sshMessage: 'ssh: connect to host login port 22: Connection refused' },
      );
    });
    const session = await startJobSession({
      scheduler: failing,
      plan: plan(),
      job,
      presetName: undefined,
      input: {},
      upOptions: { ssh: { spawn: scriptedSsh(log) }, readyTimeoutMs: 2000, healthIntervalMs: 0 },
    });
    await expect(session.down()).rejects.toThrow(/scancel 7 on login failed/);
    expect(log).toEqual(['cancel 7', 'tunnel stopped']);
    expect(session.tunnel().state).toBe('down');
    // What `down` prints: scancel's (or ssh's) own words, not the whole message with its advice.
    expect(session.cancelled()).toEqual({
      id: '7',
      what: 'the job of this tunnel, on node7',
      cancelled: false,
      error: 'ssh: connect to host login port 22: Connection refused',
    });
  });

  it('an attached job (or --keep-job) is never cancelled', async () => {
    const log: string[] = [];
    const session = await startJobSession({
      scheduler: scheduler(log),
      plan: plan(),
      job: { ...job, submitted: false },
      presetName: undefined,
      input: {},
      upOptions: { ssh: { spawn: scriptedSsh(log) }, readyTimeoutMs: 2000, healthIntervalMs: 0 },
    });
    await session.down();
    expect(log).toEqual(['tunnel stopped']);
    expect(session.cancelled()).toBeUndefined();
  });
});

describe('localPortOf: the port a requeued job keeps', () => {
  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['a server preset: its URL port', { url: 'http://127.0.0.1:8899/lab?token=x' }, '8899'],
    [
      'a reverse preset (pvserver) has no URL: nothing to keep, no TypeError',
      { remotePort: 11111, job: '7' },
      undefined,
    ],
    ['a URL without a port', { url: 'http://localhost/' }, undefined],
    ['not a URL', { url: 'not a url' }, undefined],
  ])('%s', (_what, json, port) => {
    expect(localPortOf(json)).toBe(port);
  });
});
