import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { pollDelay, resolveJob, type JobEvent } from '../../../src/scheduler/resolve-job.js';
import type { JobInfo, Poll, Scheduler } from '../../../src/scheduler/types.js';
import { watchJob } from '../../../src/scheduler/watch.js';

const info = (state: string, patch: Partial<JobInfo> = {}): JobInfo => ({
  id: '7',
  state,
  reason: '',
  node: state === 'RUNNING' ? 'n1' : undefined,
  timeLeft: 600,
  user: 'me',
  terminal: ['CANCELLED', 'TIMEOUT', 'COMPLETED'].includes(state),
  running: state === 'RUNNING',
  ...patch,
});

/** A scheduler that answers polls from a script and records every call. */
function fake(polls: Array<Poll | Error>, reused = false): Scheduler & { calls: string[] } {
  const calls: string[] = [];
  let i = 0;
  return {
    name: 'fake',
    calls,
    async submit() {
      calls.push('submit');
      return { id: '7', reused };
    },
    async poll(id) {
      calls.push(`poll ${id}`);
      const next = polls[Math.min(i++, polls.length - 1)]!;
      if (next instanceof Error) throw next;
      return next;
    },
    async tell(id) {
      calls.push(`tell ${id}`);
    },
    async cancel(id) {
      calls.push(`cancel ${id}`);
    },
  };
}
const poll = (job: JobInfo, notes: Record<string, string> = {}, me = 'me'): Poll => ({ job, notes, me });
const fast = { sleep: async () => undefined };
const D = '/tmp/tnl-job-1';

describe('resolveJob', () => {
  it('submits, waits through PENDING and the app starting, returns the node', async () => {
    const s = fake([
      poll(info('PENDING', { reason: 'Resources' })),
      poll(info('RUNNING')),
      poll(info('RUNNING'), { state: 'ready', dir: D, socket: '/tmp/x/s.sock' }),
    ]);
    const events: JobEvent[] = [];
    const job = await resolveJob({
      scheduler: s,
      job: { submit: '#!/bin/sh' },
      notesDir: D,
      onEvent: (e) => events.push(e),
      ...fast,
    });
    expect(job).toMatchObject({ id: '7', node: 'n1', submitted: true, notes: { socket: '/tmp/x/s.sock' } });
    expect(s.calls).toEqual(['submit', 'poll 7', 'poll 7', 'poll 7']);
    expect(events.map((e) => (e.event === 'waiting' ? `${e.state}/${e.reason}` : e.event))).toEqual([
      'submitted',
      'PENDING/Resources',
      'STARTING/the app is starting',
      'running',
    ]);
  });

  it.each([
    [
      'the job ends while pending',
      [poll(info('CANCELLED', { reason: 'None' }))],
      /Slurm job 7 is CANCELLED/,
      ['submit', 'poll 7'],
    ],
    [
      'the app dies in the job',
      [poll(info('RUNNING'), { state: 'failed', dir: D })],
      /exited on n1 before it listened/,
      ['submit', 'poll 7', 'cancel 7'],
    ],
    // (A login node that stops answering is no longer a failure: the wait rides it out, see below.)
    [
      'the scheduler answers with something that is not a passing failure',
      [new Error('parse error')],
      /parse error/,
      ['submit', 'poll 7', 'cancel 7'],
    ],
  ])('%s: fails, and cancels a job it submitted unless it already ended', async (_what, polls, message, calls) => {
    const s = fake(polls);
    await expect(resolveJob({ scheduler: s, job: { submit: 'x' }, notesDir: D, ...fast })).rejects.toThrow(message);
    expect(s.calls).toEqual(calls);
  });

  it('Ctrl-C while PENDING cancels the submitted job', async () => {
    const s = fake([poll(info('PENDING'))]);
    const abort = new AbortController();
    const sleep = async () => abort.abort();
    await expect(resolveJob({ scheduler: s, job: { submit: 'x' }, signal: abort.signal, sleep })).rejects.toMatchObject(
      { code: 'ABORTED' },
    );
    expect(s.calls).toEqual(['submit', 'poll 7', 'cancel 7']);
  });

  it("notes left by an older job with the same id (another run's directory) do not count", async () => {
    const s = fake([
      poll(info('RUNNING'), { state: 'ready', dir: '/tmp/tnl-job-old', socket: '/tmp/tnl-job-old/s.sock' }),
      poll(info('RUNNING'), { state: 'ready', dir: D }),
    ]);
    const job = await resolveJob({ scheduler: s, job: { submit: 'x' }, notesDir: D, ...fast });
    expect(job.notes.dir).toBe(D);
    expect(s.calls).toEqual(['submit', 'poll 7', 'poll 7']);
  });

  it("a reused job (same --name) accepts the notes of the run that submitted it, and is not this run's to cancel", async () => {
    const s = fake(
      [poll(info('RUNNING'), { state: 'ready', dir: '/tmp/tnl-job-earlier', socket: '/tmp/tnl-job-earlier/s.sock' })],
      true,
    );
    const events: JobEvent[] = [];
    const job = await resolveJob({
      scheduler: s,
      job: { submit: 'x' },
      notesDir: D,
      onEvent: (e) => events.push(e),
      ...fast,
    });
    expect(job).toMatchObject({ submitted: false, notes: { socket: '/tmp/tnl-job-earlier/s.sock' } });
    expect(events[0]).toEqual({ event: 'reused', id: '7' });
  });

  it('a failure of the run that reused a job (its app failing, a Ctrl-C) never cancels the job another run submitted', async () => {
    const s = fake([poll(info('PENDING')), poll(info('RUNNING'), { state: 'failed', dir: '' })], true);
    await expect(resolveJob({ scheduler: s, job: { submit: 'x' }, notesDir: D, ...fast })).rejects.toMatchObject({
      code: 'APP_FAILED',
    });
    expect(s.calls).not.toContain('cancel 7');
    const stop = new AbortController();
    const waiting = fake([poll(info('PENDING'))], true);
    const sleep = async () => stop.abort();
    await expect(
      resolveJob({ scheduler: waiting, job: { submit: 'x' }, signal: stop.signal, sleep }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(waiting.calls).toEqual(['submit', 'poll 7']);
  });

  it('attaching never cancels, and refuses a job of another user', async () => {
    const s = fake([poll(info('RUNNING', { user: 'alice' }), {}, 'bob')]);
    await expect(resolveJob({ scheduler: s, job: { attach: '7' }, ...fast })).rejects.toThrow(
      'job 7 belongs to alice, not to bob',
    );
    expect(s.calls).toEqual(['poll 7']);
    const mine = fake([poll(info('RUNNING'))]);
    expect(await resolveJob({ scheduler: mine, job: { attach: '7' }, ...fast })).toMatchObject({
      node: 'n1',
      submitted: false,
    });
  });

  it('with follow(), a submitted job is watched by one call per stretch, with an event per change', async () => {
    const s = fake([]);
    const looks = [
      poll(info('PENDING', { reason: 'Priority' })),
      poll(info('RUNNING')),
      poll(info('RUNNING'), { state: 'ready', dir: D }),
    ];
    let calls = 0;
    s.follow = async (_id, { onPoll }) => {
      calls += 1;
      // First stretch ends (time up) while pending; the second sees it start and the app get ready.
      const seen = calls === 1 ? looks.slice(0, 1) : looks.slice(1);
      seen.forEach(onPoll);
      return seen.at(-1)!;
    };
    const events: JobEvent[] = [];
    const job = await resolveJob({
      scheduler: s,
      job: { submit: 'x' },
      notesDir: D,
      onEvent: (e) => events.push(e),
      ...fast,
    });
    expect(job.node).toBe('n1');
    expect(calls).toBe(2);
    expect(s.calls).toEqual(['submit']);
    expect(events.map((e) => (e.event === 'waiting' ? e.state : e.event))).toEqual([
      'submitted',
      'PENDING',
      'PENDING',
      'STARTING',
      'running',
    ]);
  });

  it('polls fast first, then at the configured pace', () => {
    expect([0, 4_999, 5_000, 29_999, 30_000, 600_000].map((ms) => pollDelay(ms, 5_000))).toEqual([
      250, 250, 1_000, 1_000, 5_000, 5_000,
    ]);
    expect(pollDelay(0, 100)).toBe(100);
  });
});

describe('watchJob', () => {
  it('ends when the job stops running, warns once near the walltime, survives a failed poll', async () => {
    const s = fake([
      new Error('flaky'),
      poll(info('RUNNING', { timeLeft: 200 })),
      poll(info('RUNNING', { timeLeft: 100 })),
      poll(info('TIMEOUT', { reason: 'TimeLimit' })),
    ]);
    const events: JobEvent[] = [];
    const watch = watchJob(s, info('RUNNING'), { intervalMs: 5, onEvent: (e) => events.push(e) });
    const error = await watch.ended;
    expect(error).toMatchObject({ code: 'JOB_ENDED' });
    expect(error.message).toBe('Slurm job 7 is TIMEOUT (TimeLimit) and the tunnel to it is closed');
    expect(events).toEqual([{ event: 'walltime', id: '7', timeLeft: 200 }]);
    expect(watch.latest().state).toBe('TIMEOUT');
  });
  it('without onMoved, a requeued job (back to PENDING) ends the tunnel', async () => {
    const watch = watchJob(fake([poll(info('PENDING', { reason: 'BeginTime' }))]), info('RUNNING'), { intervalMs: 5 });
    expect((await watch.ended).message).toMatch(/is PENDING \(BeginTime\) on n1 no longer/);
  });
  it('with onMoved, a requeued job is followed once it runs (and its app is ready) again, on its new node', async () => {
    const s = fake([
      poll(info('REQUEUED')),
      poll(info('PENDING', { reason: 'BeginTime' })),
      poll(info('RUNNING', { node: 'n2' })),
      poll(info('RUNNING', { node: 'n2' }), { state: 'ready', dir: D }),
      poll(info('RUNNING', { node: 'n2' }), { state: 'ready', dir: D }),
      poll(info('CANCELLED')),
    ]);
    const moved: string[] = [];
    const events: JobEvent[] = [];
    const watch = watchJob(s, info('RUNNING'), {
      intervalMs: 5,
      notesDir: D,
      onEvent: (e) => events.push(e),
      onMoved: async (job) => void moved.push(job.node!),
    });
    expect((await watch.ended).message).toMatch(/is CANCELLED/);
    expect(moved).toEqual(['n2']);
    expect(events.map((e) => (e.event === 'waiting' ? e.state : e.event))).toEqual([
      'REQUEUED',
      'PENDING',
      'STARTING',
      'running',
    ]);
  });
  it('with onMoved, a terminal state is confirmed by a second look (a requeue may show FAILED for a moment)', async () => {
    const s = fake([
      poll(info('FAILED', { terminal: true })),
      poll(info('REQUEUED')),
      poll(info('RUNNING', { node: 'n3' })),
      poll(info('CANCELLED')),
      poll(info('CANCELLED')),
    ]);
    const moved: string[] = [];
    const watch = watchJob(s, info('RUNNING'), { intervalMs: 5, onMoved: async (job) => void moved.push(job.node!) });
    expect((await watch.ended).message).toMatch(/is CANCELLED/);
    expect(moved).toEqual(['n3']);
    expect(s.calls).toHaveLength(5);
  });
  it('a failed re-point ends the watch with its error', async () => {
    const watch = watchJob(fake([poll(info('PENDING')), poll(info('RUNNING', { node: 'n9' }))]), info('RUNNING'), {
      intervalMs: 5,
      onMoved: async () => {
        throw new TunnelError('CONNECT_FAILED', 'n9 unreachable');
      },
    });
    expect(await watch.ended).toMatchObject({ code: 'CONNECT_FAILED' });
  });
  it('stop() stops polling', async () => {
    const s = fake([poll(info('RUNNING'))]);
    const watch = watchJob(s, info('RUNNING'), { intervalMs: 5 });
    watch.stop();
    await new Promise((r) => setTimeout(r, 30));
    expect(s.calls).toEqual([]);
  });
});

describe('resolveJob rides out hiccups while the job is queued (it keeps its place)', () => {
  const controllerDown = () =>
    new TunnelError(
      'NOT_FOUND',
      'no Slurm job 7 on login: slurm_load_jobs error: Unable to contact slurm controller (connect failure)',
    );
  const sshDropped = () =>
    new TunnelError('CONNECT_FAILED', 'cannot run Slurm commands on login: Connection timed out', {
      sshMessage: 'Connection timed out',
    });
  const empty = () => new TunnelError('NOT_FOUND', 'no Slurm job 7 on login: squeue and scontrol do not know it');

  it.each<[string, () => TunnelError]>([
    ['a dropped ssh to the login node', sshDropped],
    ['a restarting slurmctld', controllerDown],
    ['an empty answer about the job this run submitted', empty],
  ])('%s: retried with backoff and said, never cancelled', async (_what, failure) => {
    const s = fake([
      poll(info('PENDING')),
      failure(),
      failure(),
      failure(),
      poll(info('PENDING')),
      poll(info('RUNNING')),
    ]);
    const events: JobEvent[] = [];
    const pauses: number[] = [];
    const job = await resolveJob({
      scheduler: s,
      job: { submit: '#!/bin/sh' },
      onEvent: (e) => events.push(e),
      sleep: async (ms) => void pauses.push(ms),
    });
    expect(job.node).toBe('n1');
    expect(s.calls).not.toContain('cancel 7');
    expect(events.filter((e) => e.event === 'retrying').map((e) => 'attempt' in e && [e.attempt, e.delayMs])).toEqual([
      [1, 1000],
      [2, 2000],
      [3, 4000],
    ]);
  });

  it('Slurm saying the id is unknown is an answer: the wait ends (and what was submitted is cancelled)', async () => {
    const s = fake([
      poll(info('PENDING')),
      new TunnelError('NOT_FOUND', 'no Slurm job 7 on login: slurm_load_jobs error: Invalid job id specified'),
    ]);
    await expect(resolveJob({ scheduler: s, job: { submit: '#!/bin/sh' }, ...fast })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(s.calls).toContain('cancel 7');
  });

  it('an attached job that squeue has never heard of is refused at once', async () => {
    const s = fake([empty()]);
    await expect(resolveJob({ scheduler: s, job: { attach: '7' }, ...fast })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(s.calls).toEqual(['poll 7']);
  });

  it('the backoff tops out at 30 s, and a Ctrl-C during a pause stops the wait at once and cancels', async () => {
    const s = fake([poll(info('PENDING')), controllerDown()]);
    const stop = new AbortController();
    const pauses: number[] = [];
    const sleep = async (ms: number) => {
      pauses.push(ms);
      if (ms < 30_000) return;
      stop.abort();
      await new Promise(() => undefined); // a pause that would never end by itself
    };
    await expect(
      resolveJob({ scheduler: s, job: { submit: '#!/bin/sh' }, signal: stop.signal, sleep }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(pauses.filter((ms) => ms >= 1000)).toEqual([1000, 2000, 4000, 8000, 16000, 30000]);
    expect(s.calls).toContain('cancel 7');
  });
});
