import { chmod, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { TunnelError } from '../../errors.js';
import type { WorkerOptions } from '../../api/worker.js';
import type { SetExit } from '../set-exit.js';
import { collect } from '../tunnel-flags.js';

interface WorkerFlags {
  head?: string;
  headPort?: string;
  scheduler?: string;
  count?: string;
  sshConfig?: string;
  workerArg?: string[];
  forwardTimeout?: string;
  forwardGiveUp?: string;
  output?: string;
  submit?: string;
  slurm?: string;
  via?: string[];
  keepJob?: boolean;
  dryRun?: boolean;
  factory?: boolean;
  minWorkers?: string;
  maxWorkers?: string;
}

export function registerWorker(program: Command, setExit: SetExit): void {
  program
    .command('worker')
    .argument('<preset>', 'a preset with a worker script (see `tunnel apps`), e.g. workqueue')
    .argument(
      '<name>',
      'the running or saved tunnel that publishes the manager (head node and port come from it), and the job name',
    )
    .description('print (or -o write) a job script that starts workers which reach the manager through the head node')
    .option(
      '--head <host>',
      "the head node as compute nodes reach it ([user@]host[:port] or an ssh_config alias; default: tunnel NAME's target)",
    )
    .option('--head-port <port>', 'the port the manager is published on there (default: the one tunnel NAME allocated)')
    .option('--scheduler <name>', 'slurm (job array of --count) or none (--count workers side by side)', 'none')
    .option('--count <n>', 'how many workers (default 1)')
    .option('-F, --ssh-config <file>', "ssh_config for the workers' ssh (default: the node's ~/.ssh/config)")
    .option('--worker-arg <arg>', 'extra argument for the worker program (repeatable)', collect)
    .option('--forward-timeout <seconds>', 'how long each worker waits for its ssh forward (default 30)')
    .option(
      '--forward-give-up <seconds>',
      'how long a worker keeps reopening a dropped forward before it ends (default 600)',
    )
    .option('-o, --output <file>', 'write the script here (mode 0700) instead of printing it')
    .option(
      '--submit <scheduler>',
      "slurm: submit the workers through the login node (sbatch over ssh) and print the array's job id; `tunnel down NAME` cancels them",
    )
    .option(
      '--slurm <sbatch-options>',
      "with --submit: sbatch options on top of the script's, e.g. --slurm '-p normal -t 2:00:00'",
    )
    .option(
      '--via <host>',
      "with --submit: the login node where sbatch runs, after any hops (repeatable; default: tunnel NAME's route)",
      collect,
    )
    .option('--keep-job', 'with --submit: leave the workers running when tunnel NAME goes down')
    .option(
      '--factory',
      "instead of --submit: run work_queue_factory -T slurm on the login node, which submits one job per worker the manager's queue needs (each with its own forward); `tunnel down NAME` stops it and its workers",
    )
    .option('--min-workers <n>', 'with --factory: workers kept even with an empty queue (default 0)')
    .option('--max-workers <n>', 'with --factory: at most this many workers (default 10)')
    .option('--dry-run', 'with --submit or --factory: print the script and the ssh commands; start nothing')
    .action(async (preset: string, name: string, flags: WorkerFlags) => setExit(await runWorker(preset, name, flags)));
}

async function runWorker(preset: string, name: string, flags: WorkerFlags): Promise<number> {
  const submit = checkSubmit(flags);
  const options: WorkerOptions = {
    preset,
    name,
    head: flags.head,
    headPort: flags.headPort,
    scheduler: flags.scheduler,
    count: flags.count,
    sshConfig: flags.sshConfig,
    workerArgs: flags.workerArg,
    forwardTimeout: flags.forwardTimeout,
    forwardGiveUp: flags.forwardGiveUp,
  };
  if (flags.factory === true) return startFactory(options, flags);
  if (submit) return submitArray(options, flags);
  const { workerScript } = await import('../../api/worker.js');
  const script = await workerScript(options);
  if (flags.output === undefined) {
    process.stdout.write(script);
    return 0;
  }
  await writeFile(flags.output, script, { mode: 0o700 });
  await chmod(flags.output, 0o700);
  process.stderr.write(`wrote ${flags.output}\n`);
  return 0;
}

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** --submit slurm, --factory, or neither; the flags of one are refused with the other or alone. */
function checkSubmit(flags: WorkerFlags): boolean {
  if (flags.factory === true) {
    const stray = (['submit', 'scheduler', 'count', 'output', 'keepJob'] as const).find(
      (key) => flags[key] !== undefined && !(key === 'scheduler' && flags[key] === 'none'),
    );
    if (stray !== undefined)
      throw new TunnelError(
        'BAD_OPTION',
        `worker: --factory sizes the workers to the queue itself; drop ${flagName(stray)}`,
        { field: flagName(stray) },
      );
    return false;
  }
  const factoryOnly = (['minWorkers', 'maxWorkers'] as const).find((key) => flags[key] !== undefined);
  if (factoryOnly !== undefined)
    throw new TunnelError('BAD_OPTION', `worker: ${flagName(factoryOnly)} goes with --factory`, {
      field: flagName(factoryOnly),
    });
  if (flags.submit === undefined) {
    const stray = (['slurm', 'via', 'keepJob', 'dryRun'] as const).find((key) => flags[key] !== undefined);
    if (stray !== undefined)
      throw new TunnelError('BAD_OPTION', `worker: ${flagName(stray)} goes with --submit slurm or --factory`, {
        field: '--submit',
      });
    return false;
  }
  if (flags.submit !== 'slurm')
    throw new TunnelError('BAD_OPTION', `worker: --submit '${flags.submit}': expected slurm`, { field: '--submit' });
  if (flags.scheduler !== undefined && flags.scheduler !== 'none' && flags.scheduler !== 'slurm')
    throw new TunnelError('BAD_OPTION', '--submit slurm writes a Slurm array; drop --scheduler', {
      field: '--scheduler',
    });
  if (flags.output !== undefined)
    throw new TunnelError('BAD_OPTION', 'worker: --output writes the script for you to submit; drop it with --submit', {
      field: '--output',
    });
  return true;
}

async function submitArray(options: WorkerOptions, flags: WorkerFlags): Promise<number> {
  const { submitWorkers } = await import('../../api/worker.js');
  const submitted = await submitWorkers({
    ...options,
    slurm: flags.slurm,
    via: flags.via,
    keepJob: flags.keepJob,
    dryRun: flags.dryRun,
  });
  if ('dryRun' in submitted) {
    process.stdout.write(`${submitted.dryRun.join('\n')}\n`);
    return 0;
  }
  const { id, recorded, count } = submitted;
  process.stdout.write(`${id}\n`);
  process.stderr.write(
    recorded
      ? `submitted Slurm job ${id} (${count} workers); 'tunnel down ${options.name}' cancels it (or scancel ${id})\n`
      : `submitted Slurm job ${id} (${count} workers); --keep-job: cancel it yourself with scancel ${id}\n`,
  );
  return 0;
}

async function startFactory(options: WorkerOptions, flags: WorkerFlags): Promise<number> {
  const { startWorkerFactory } = await import('../../api/worker.js');
  const started = await startWorkerFactory({
    ...options,
    slurm: flags.slurm,
    via: flags.via,
    minWorkers: flags.minWorkers,
    maxWorkers: flags.maxWorkers,
    dryRun: flags.dryRun,
  });
  if ('dryRun' in started) {
    process.stdout.write(`${started.dryRun.join('\n')}\n`);
    return 0;
  }
  process.stdout.write(`${started.pid}\n`);
  process.stderr.write(
    `started work_queue_factory (pid ${started.pid} on the login node, ${started.minWorkers} to ${started.maxWorkers} workers); 'tunnel down ${options.name}' stops it and its workers\n`,
  );
  return 0;
}
