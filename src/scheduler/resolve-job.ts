import { TunnelError } from '../errors.js';
import type { JobInfo, JobNotes, Poll, Scheduler } from './types.js';

/** What the waiting looks like, for a spinner, log lines or --json events. */
export type JobEvent =
  | { event: 'submitted'; id: string }
  | { event: 'reused'; id: string }
  | { event: 'waiting'; id: string; state: string; reason: string; elapsedMs: number }
  | { event: 'running'; id: string; node: string; timeLeft: number | null; elapsedMs: number }
  | { event: 'cancelled'; id: string }
  | { event: 'walltime'; id: string; timeLeft: number }
  /** A look at the queue failed for a reason that passes (a dropped ssh, a restarting controller): the wait goes on. */
  | { event: 'retrying'; id: string; reason: string; attempt: number; delayMs: number };

export interface ResolveJobOptions {
  scheduler: Scheduler;
  /** Submit this batch script, or attach to this job id. */
  job: { submit: string } | { attach: string };
  /** Wait until the batch script reports its app ready in this directory (jobs rendered from templates/slurm/job.sh; '' = any). */
  notesDir?: string | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: ((event: JobEvent) => void) | undefined;
  /** Longest pause between two polls while waiting (default 5 s); the first polls come faster. */
  maxPollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** A job that runs, on a known node: the target the rest of the pipeline tunnels to. */
export interface ResolvedJob {
  id: string;
  node: string;
  info: JobInfo;
  notes: JobNotes;
  /** This run submitted it (so it may cancel it); an attached or reused job is never cancelled by it. */
  submitted: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Longest pause between two tries of a failed look while waiting (a controller failover takes seconds to minutes). */
const RETRY_MAX_MS = 30_000;
/** Empty answers in a row about a job this run submitted before it counts as gone (a controller that answers but lost it). */
const EMPTY_LOOKS = 12;

/** 1 s, 2 s, 4 s … up to 30 s. */
export function retryDelay(attempt: number): number {
  return Math.min(RETRY_MAX_MS, 1000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * A failed look that waiting should ride out: ssh could not reach the login node (a Wi-Fi blip, a
 * lid closed), or Slurm could not answer (slurmctld restarting or failing over). Slurm saying the
 * job id is unknown is an answer, not a hiccup; an empty answer about a job this run submitted is
 * one only up to EMPTY_LOOKS times.
 */
export function isPassingFailure(error: unknown, submitted: boolean, emptyLooks: number): boolean {
  if (!(error instanceof TunnelError)) return false;
  if (error.code === 'CONNECT_FAILED') return true;
  if (error.code !== 'NOT_FOUND' || /Invalid job id/i.test(error.message)) return false;
  return isControllerTrouble(error) || (submitted && emptyLooks < EMPTY_LOOKS);
}

/** squeue/scontrol could not ask slurmctld ("slurm_load_jobs error: Unable to contact slurm controller"), as opposed to an empty answer. */
function isControllerTrouble(error: TunnelError): boolean {
  return /slurm_load_jobs|unable to contact|socket timed out|error/i.test(
    error.message.slice(error.message.indexOf(': ') + 2),
  );
}

/** Polls fast at first (a free cluster starts a job in about a second), then every maxPollMs. */
export function pollDelay(elapsedMs: number, maxPollMs: number): number {
  if (elapsedMs < 5_000) return Math.min(250, maxPollMs);
  if (elapsedMs < 30_000) return Math.min(1_000, maxPollMs);
  return maxPollMs;
}

/**
 * Submit (or attach), then wait until the job runs and has a node. Whatever goes wrong after a
 * submit (Ctrl-C, the job failing, its app dying, a lost connection) cancels the job it submitted:
 * an interrupted `up` never leaves a job behind.
 */
export async function resolveJob(options: ResolveJobOptions): Promise<ResolvedJob> {
  const { scheduler } = options;
  const say = options.onEvent ?? (() => undefined);
  const now = options.now ?? Date.now;
  const start = now();
  let id: string;
  // Only a job this run submitted is this run's to cancel: a reused one (same --name) belongs to the
  // run that submitted it, whose tunnel may still use it (a failure here must not take it away).
  let submitted = false;
  if ('submit' in options.job) {
    if (options.signal?.aborted) throw aborted();
    const answer = await scheduler.submit(options.job.submit);
    id = answer.id;
    submitted = !answer.reused;
    say({ event: answer.reused ? 'reused' : 'submitted', id });
    // A reused job was rendered by an earlier run: its notes name that run's directory.
    if (answer.reused && options.notesDir !== undefined) options = { ...options, notesDir: '' };
  } else {
    id = options.job.attach;
  }
  try {
    return await waitRunning(options, id, submitted, start, say, now);
  } catch (error) {
    if (submitted && !(error instanceof TunnelError && error.code === 'JOB_ENDED')) {
      await scheduler.cancel(id).then(
        () => say({ event: 'cancelled', id }),
        () => undefined,
      );
    }
    throw error;
  }
}

async function waitRunning(
  options: ResolveJobOptions,
  id: string,
  submitted: boolean,
  start: number,
  say: (event: JobEvent) => void,
  now: () => number,
): Promise<ResolvedJob> {
  const { scheduler } = options;
  const sleep = options.sleep ?? defaultSleep;
  const maxPollMs = options.maxPollMs ?? 5_000;
  /** Decides on one look: the job (done), keep waiting (undefined), or why not (throws). */
  const judge = (look: Poll): ResolvedJob | undefined => {
    const poll = ownNotes(look, options.notesDir);
    const info = poll.job!;
    if (!submitted && poll.me !== undefined && info.user !== undefined && info.user !== poll.me) {
      throw new TunnelError(
        'JOB_REFUSED',
        `job ${id} belongs to ${info.user}, not to ${poll.me}; attach to one of your own jobs`,
        { field: '--job' },
      );
    }
    if (info.terminal) throw jobEnded(info, 'before the tunnel was built');
    if (poll.notes.state === 'failed') {
      throw new TunnelError(
        'APP_FAILED',
        `the app in job ${id} exited on ${info.node ?? 'its node'} before it listened; its output is in ~/.tunnel/jobs/${id}.out on the cluster`,
      );
    }
    const elapsedMs = now() - start;
    if (info.running && (options.notesDir === undefined || poll.notes.state === 'ready')) {
      say({ event: 'running', id, node: info.node!, timeLeft: info.timeLeft, elapsedMs });
      return { id, node: info.node!, info, notes: poll.notes, submitted };
    }
    say({
      event: 'waiting',
      id,
      state: info.running ? 'STARTING' : info.state,
      reason: info.running ? 'the app is starting' : info.reason,
      elapsedMs,
    });
    return undefined;
  };
  // An attached job usually runs already: one look decides. A submitted one is followed.
  let failures = 0;
  let emptyLooks = 0;
  /** One look, tried again (with backoff, for as long as the caller waits) while it fails for a passing reason. */
  const look = async (once: () => Promise<Poll>): Promise<Poll> => {
    for (;;) {
      try {
        const answer = await once();
        failures = 0;
        emptyLooks = 0;
        return answer;
      } catch (error) {
        if (options.signal?.aborted) throw aborted();
        if (error instanceof TunnelError && error.code === 'NOT_FOUND' && !isControllerTrouble(error)) emptyLooks += 1;
        if (!isPassingFailure(error, submitted, emptyLooks)) throw error;
        failures += 1;
        const delayMs = retryDelay(failures);
        say({
          event: 'retrying',
          id,
          reason: (error as TunnelError).sshMessage ?? (error as TunnelError).message,
          attempt: failures,
          delayMs,
        });
        await abortableSleep(sleep, delayMs, options.signal);
        if (options.signal?.aborted) throw aborted();
      }
    }
  };
  const first = submitted && scheduler.follow !== undefined ? undefined : judge(await look(() => scheduler.poll(id)));
  if (first !== undefined) return first;
  for (;;) {
    if (options.signal?.aborted) throw aborted();
    if (scheduler.follow !== undefined) {
      // Events come from every change the follow reports; the decision from its last look.
      const follow = scheduler.follow.bind(scheduler);
      const last = await look(() =>
        follow(id, {
          notes: options.notesDir,
          signal: options.signal,
          onPoll: (poll) => sayWaiting(ownNotes(poll, options.notesDir)),
        }),
      );
      const done = judge(last);
      if (done !== undefined) return done;
      continue;
    }
    await sleep(pollDelay(now() - start, maxPollMs));
    if (options.signal?.aborted) throw aborted();
    const done = judge(await look(() => scheduler.poll(id)));
    if (done !== undefined) return done;
  }

  function sayWaiting(poll: Poll): void {
    const info = poll.job!;
    const ready = info.running && (options.notesDir === undefined || poll.notes.state === 'ready');
    if (info.terminal || ready || poll.notes.state === 'failed') return;
    say({
      event: 'waiting',
      id,
      state: info.running ? 'STARTING' : info.state,
      reason: info.running ? 'the app is starting' : info.reason,
      elapsedMs: now() - start,
    });
  }
}

/** Notes count only when they are this run's (written for its directory; '' = any run's, for a reused job). */
export function ownNotes(poll: Poll, dir: string | undefined): Poll {
  return dir === undefined || dir === '' || poll.notes.dir === dir ? poll : { ...poll, notes: {} };
}

export function jobEnded(info: JobInfo, when: string): TunnelError {
  const reason = info.reason === '' ? '' : ` (${info.reason})`;
  return new TunnelError('JOB_ENDED', `Slurm job ${info.id} is ${info.state}${reason} ${when}`);
}

/** The injected sleep, cut short by the caller's signal (a Ctrl-C during a 30 s pause acts at once). */
async function abortableSleep(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal === undefined) return sleep(ms);
  if (signal.aborted) return;
  let onAbort: () => void = () => undefined;
  const cut = new Promise<void>((resolve) => (onAbort = resolve));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([sleep(ms), cut]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function aborted(): TunnelError {
  return new TunnelError('ABORTED', 'cancelled while waiting for the job');
}
