import { randomBytes } from 'node:crypto';
import { TunnelError } from '../../errors.js';
import { formatHop } from '../../model/hop.js';
import type { RunSsh } from '../../ssh/run.js';
import { sshRunner } from '../../ssh/runner.js';
import { planLoginCommand, type SchedulerHost } from '../login.js';
import type { Poll, Scheduler } from '../types.js';
import { cancelScript, followScript, pollScript, submitScript, taggedScript, tellScript } from './commands.js';
import { MARK, parsePoll, parseSbatch, slurmMessage } from './parse.js';

export interface SlurmOptions {
  host: SchedulerHost;
  /** Longest pause between two squeue calls inside a follow (default 5 s). */
  maxPollSeconds?: number;
  /** sbatch options, already split and checked (splitSbatchOptions). */
  sbatch: string[];
  jobName: string;
  /** Reuse a job of ours with the same name that is still queued or running (--name given). */
  reuse?: boolean;
  /** Runs each ssh to the login node (default: the real one); tests pass a fake. */
  run?: RunSsh;
  /** sbatch's --output pattern in ~/.tunnel/jobs (default %j.out). */
  output?: string;
  /** The --comment that marks this run's submit, so a submit cut short can find what it queued (default: a fresh one). */
  tag?: string;
}

/** ssh failures that happen before a login, so before the script reached sbatch: nothing can have been queued. */
const NEVER_SENT =
  /ssh: connect to host|Could not resolve hostname|Permission denied|Host key verification failed|Connection timed out during banner/i;

/** The ssh argv of each Slurm step, for --dry-run and for the effects below. */
export function slurmCommands(options: SlurmOptions) {
  return {
    submit: planLoginCommand(
      options.host,
      submitScript(options.sbatch, options.jobName, options.reuse === true, options.output, options.tag),
    ),
    tagged: (tag: string) => planLoginCommand(options.host, taggedScript(tag)),
    poll: (id: string) => planLoginCommand(options.host, pollScript(id)),
    cancel: (id: string) => planLoginCommand(options.host, cancelScript(id)),
    tell: (id: string, notes: Record<string, string>) => planLoginCommand(options.host, tellScript(id, notes)),
    follow: (id: string, notes: string | undefined) =>
      planLoginCommand(
        options.host,
        followScript(id, { notes, seconds: FOLLOW_SECONDS, maxPollSeconds: options.maxPollSeconds ?? 5 }),
      ),
  };
}

/** One follow ssh lasts at most this long; the wait then starts another (a fresh look at a long queue). */
const FOLLOW_SECONDS = 120;

/** Slurm through the login node: sbatch / squeue (+ scontrol) / scancel, each one ssh. */
export function slurm(options: SlurmOptions): Scheduler {
  const { run } = sshRunner({ run: options.run });
  const tag = options.tag ?? `tnl-${randomBytes(6).toString('hex')}`;
  const commands = slurmCommands({ ...options, tag });
  const login = formatHop(options.host.login);
  const timeoutMs = (options.host.connectTimeout * (options.host.via.length + 1) + 20) * 1000;
  /** Finds the jobs this submit queued (by its --comment) and cancels them; the error then says what became of them. */
  const cancelTagged = async (timedOut: boolean, failure: TunnelError): Promise<TunnelError> => {
    const what = timedOut ? `sbatch on ${login} timed out` : failure.message;
    const found = await run(commands.tagged(tag), { timeoutMs }).catch(() => undefined);
    if (found?.exitCode !== 0) {
      return new TunnelError(
        'CONNECT_FAILED',
        `${what}; a job it may have queued could not be looked up: find it with squeue --me -o '%i %k' (comment ${tag}) and scancel it`,
        { argv: commands.submit, hop: login, sshMessage: failure.sshMessage },
      );
    }
    const ids = found.stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^\d+(_\d+)?$/.test(line));
    const cancelled = await Promise.all(
      ids.map((id) =>
        run(commands.cancel(id), { timeoutMs }).then(
          (r) => r.exitCode === 0,
          () => false,
        ),
      ),
    );
    const left = ids.filter((_, i) => cancelled[i] !== true);
    const outcome =
      ids.length === 0
        ? 'nothing was queued'
        : left.length === 0
          ? `job ${ids.join(', ')} it had queued was cancelled`
          : `cancel job ${left.join(', ')} yourself: ssh ${login} scancel ${left.join(' ')}`;
    return new TunnelError(timedOut ? 'CONNECT_FAILED' : failure.code, `${what}; ${outcome}`, {
      argv: commands.submit,
      hop: login,
      sshMessage: failure.sshMessage,
    });
  };
  return {
    name: 'slurm',
    async submit(script) {
      const result = await run(commands.submit, { timeoutMs, input: script });
      const submitted = result.exitCode === 0 ? parseSbatch(result.stdout) : undefined;
      if (submitted !== undefined) return submitted;
      // Cut short after the script was sent (a slow sbatch, a dropped link): the job may be queued all the same.
      const sshFailure = result.exitCode === 255 && !/^sbatch:/m.test(result.stderr);
      if (sshFailure && NEVER_SENT.test(result.stderr)) throw sshFailed(login, result.stderr, commands.submit);
      if (result.timedOut || sshFailure) {
        throw await cancelTagged(result.timedOut, sshFailed(login, result.stderr, commands.submit, result.timedOut));
      }
      // sbatch's own words, one line: a refused option, an unknown partition, a limit.
      throw new TunnelError(
        'JOB_REFUSED',
        `sbatch on ${login} refused the job: ${slurmMessage(result.stderr, result.timedOut ? 'timed out' : `exit ${result.exitCode ?? 'by signal'}, no job id printed`)}`,
        {
          argv: commands.submit,
          exitCode: result.exitCode,
        },
      );
    },
    async poll(id): Promise<Poll> {
      const argv = commands.poll(id);
      const result = await run(argv, { timeoutMs });
      if (result.exitCode !== 0) throw sshFailed(login, result.stderr, argv, result.timedOut);
      const poll = parsePoll(result.stdout);
      if (poll.job === undefined) {
        throw new TunnelError(
          'NOT_FOUND',
          `no Slurm job ${id} on ${login}: ${slurmMessage(result.stderr, 'squeue and scontrol do not know it')}`,
          { field: '--job' },
        );
      }
      return poll;
    },
    async follow(id, { notes, signal, onPoll }): Promise<Poll> {
      const argv = commands.follow(id, notes);
      let block: string[] = [];
      let last: Poll | undefined;
      let lastText = '';
      const onLine = (line: string) => {
        if (line.trim() !== MARK.end) return void block.push(line);
        lastText = block.join('\n');
        last = parsePoll(lastText);
        block = [];
        if (last.job !== undefined) onPoll(last);
      };
      const result = await run(argv, { timeoutMs: timeoutMs + FOLLOW_SECONDS * 1000, signal, onLine });
      if (signal?.aborted) throw new TunnelError('ABORTED', 'cancelled while waiting for the job');
      if (result.exitCode !== 0) throw sshFailed(login, result.stderr, argv, result.timedOut);
      if (last?.job === undefined) {
        const said = lastText
          .split('\n')
          .find((l) => /error/.test(l))
          ?.trim();
        throw new TunnelError(
          'NOT_FOUND',
          `no Slurm job ${id} on ${login}: ${said ?? slurmMessage(result.stderr, 'squeue and scontrol do not know it')}`,
          { field: '--job' },
        );
      }
      return last;
    },
    async tell(id, notes) {
      const argv = commands.tell(id, notes);
      const result = await run(argv, { timeoutMs });
      if (result.exitCode !== 0)
        throw sshFailed(login, result.stderr || `could not write the notes of job ${id}`, argv, result.timedOut);
    },
    async cancel(id) {
      const argv = commands.cancel(id);
      const result = await run(argv, { timeoutMs });
      if (result.exitCode !== 0) {
        const said = slurmMessage(
          result.stderr,
          result.timedOut ? 'timed out' : `exit ${result.exitCode ?? 'by signal'}`,
        );
        throw new TunnelError(
          'JOB_REFUSED',
          `scancel ${id} on ${login} failed: ${said}; cancel it with: ssh ${login} scancel ${id}`,
          { argv, exitCode: result.exitCode, sshMessage: said },
        );
      }
    },
  };
}

function sshFailed(login: string, stderr: string, argv: readonly string[], timedOut = false): TunnelError {
  const line =
    stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .pop() ?? (timedOut ? 'timed out' : 'ssh failed');
  return new TunnelError('CONNECT_FAILED', `cannot run Slurm commands on ${login}: ${line}`, {
    argv,
    hop: login,
    sshMessage: line,
  });
}
