import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { truthful, withSubmitted } from '../../../src/background/list.js';
import { addTunnelJob } from '../../../src/scheduler/job-files.js';
import { identifyProcess } from '../../../src/os/process-identity.js';
import type { JobRecord, TunnelRecord } from '../../../src/background/record.js';
import type { TunnelState } from '../../../src/supervise/status.js';
import { useChildren, useTempStateHome } from '../../support/state-home.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

/** The pid of a process that has already exited: a supervisor that was SIGKILLed. */
function deadPid(): number {
  const pid = spawnSync('true').pid;
  if (pid === undefined) throw new Error('no pid');
  return pid;
}

function job(over: Partial<JobRecord> = {}): JobRecord {
  return {
    scheduler: 'slurm',
    id: '42',
    node: 'node7',
    state: 'RUNNING',
    reason: 'None',
    timeLeft: 600,
    seenAt: ago(100),
    submitted: true,
    keepJob: false,
    cancel: null,
    ...over,
  };
}

function record(state: TunnelState, supervisorPid: number, over: Partial<TunnelRecord> = {}): TunnelRecord {
  return {
    name: 'nb',
    supervisorPid,
    supervisor: identifyProcess(supervisorPid) ?? { pid: supervisorPid, start: 'gone' },
    state,
    strategy: 'jump',
    route: ['login'],
    forwards: [],
    sshPids: [],
    localSockets: [],
    remoteCleanup: [],
    commands: [],
    startedAt: ago(300),
    upSince: ago(90),
    updatedAt: ago(5),
    restarts: 0,
    lastError: undefined,
    job: job(),
    ...over,
  };
}

describe('truthful: a record checked against its supervisor', () => {
  const children = useChildren();
  /** A live process whose argv carries __supervise, as a detached supervisor's does. */
  const supervisor = async () =>
    (await children.start(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', '__supervise'])).pid;

  it.each<[TunnelState, TunnelState | 'dead']>([
    ['up', 'dead'],
    ['degraded', 'dead'],
    ['starting', 'dead'],
    ['reconnecting', 'dead'],
    ['needs-auth', 'dead'], // its supervisor waits for `tunnel auth`: a dead one is not waiting any more
    ['failed', 'failed'],
    ['down', 'down'],
  ])('a dead supervisor: %s is shown as %s, with no uptime and the job as last seen', (state, shown) => {
    const listed = truthful(record(state, deadPid()), NOW);
    expect(listed.state).toBe(shown);
    expect(listed.uptimeSeconds).toBeNull();
    expect(listed.job?.timeLeft).toBe(600);
  });

  it.each<[TunnelState, number | null]>([
    ['up', 90],
    ['degraded', 90],
    ['starting', null],
    ['reconnecting', null],
    ['needs-auth', null],
  ])('a live supervisor: %s keeps its state, uptime %s s', async (state, uptime) => {
    const listed = truthful(record(state, await supervisor()), NOW);
    expect(listed.state).toBe(state);
    expect(listed.uptimeSeconds).toBe(uptime);
  });

  it.each<[string, Partial<JobRecord>, number | null]>([
    ['600 s left 100 s ago: 500 s now', { timeLeft: 600, seenAt: ago(100) }, 500],
    ['50 s left 100 s ago: 0, never negative', { timeLeft: 50, seenAt: ago(100) }, 0],
    ['seen just now: unchanged', { timeLeft: 600, seenAt: ago(0) }, 600],
    ['seenAt in the future (clock skew): unchanged', { timeLeft: 600, seenAt: ago(-30) }, 600],
    ['unlimited walltime stays unlimited', { timeLeft: null, seenAt: ago(100) }, null],
  ])('an up tunnel: the job time left counts from seenAt: %s', async (_what, over, left) => {
    const listed = truthful(record('up', await supervisor(), { job: job(over) }), NOW);
    expect(listed.job?.timeLeft).toBe(left);
    expect(listed.job?.seenAt).toBe(over.seenAt);
  });

  it('a tunnel that is not live keeps the job time as last seen (nothing is counting it down)', async () => {
    const listed = truthful(record('reconnecting', await supervisor()), NOW);
    expect(listed.job?.timeLeft).toBe(600);
  });

  it('a live process that is not a supervisor (a recycled pid) makes the tunnel dead', async () => {
    const other = (await children.start('sleep', ['60'])).pid;
    expect(truthful(record('up', other), NOW).state).toBe('dead');
  });

  it('a live supervisor named by another start time (the pid was recycled) makes the tunnel dead', async () => {
    const pid = await supervisor();
    expect(truthful(record('up', pid, { supervisor: { pid, start: '1' } }), NOW).state).toBe('dead');
  });

  it('a record of an earlier version, without supervisor identity, is checked by supervisorPid', async () => {
    const { supervisor: _identity, ...old } = record('up', await supervisor());
    expect(truthful(old, NOW)).toMatchObject({ state: 'up', uptimeSeconds: 90 });
    const { supervisor: _gone, ...dead } = record('up', deadPid());
    expect(truthful(dead, NOW).state).toBe('dead');
  });

  it('a record without a job gets no job field', () => {
    const { job: _job, ...plain } = record('failed', deadPid());
    expect('job' in truthful(plain, NOW)).toBe(false);
  });
});

describe('withSubmitted: what down would cancel, as recorded', () => {
  useTempStateHome('tnl-list-submitted-');

  it('lists the worker array and the factory in id order, without their cancel commands', async () => {
    const cancel = ['ssh', 'login', 'scancel 12'];
    await addTunnelJob('wq', {
      id: '12',
      scheduler: 'slurm',
      what: '4 workers',
      cancel,
      submittedAt: '2026-03-01T11:00:00Z',
    });
    await addTunnelJob('wq', {
      id: '3456',
      scheduler: 'slurm',
      kind: 'factory',
      what: 'work_queue_factory on login (pid 3456, 1-4 workers)',
      cancel,
      submittedAt: '2026-03-01T11:05:00Z',
    });
    const listed = await withSubmitted({ ...truthful(record('up', deadPid(), { name: 'wq' }), NOW) });
    expect(listed.submitted).toEqual([
      { id: '12', kind: 'job', what: '4 workers', submittedAt: '2026-03-01T11:00:00Z' },
      {
        id: '3456',
        kind: 'factory',
        what: 'work_queue_factory on login (pid 3456, 1-4 workers)',
        submittedAt: '2026-03-01T11:05:00Z',
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain('scancel');
  });

  it('a tunnel with nothing submitted gets no submitted field', async () => {
    expect('submitted' in (await withSubmitted(truthful(record('up', deadPid()), NOW)))).toBe(false);
  });
});
