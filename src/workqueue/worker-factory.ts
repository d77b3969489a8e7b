import { randomBytes } from 'node:crypto';
import { TunnelError } from '../errors.js';
import { formatHop } from '../model/hop.js';
import { parseInteger } from '../model/tunnel.js';
import { shJoin } from '../plan/quote.js';
import { addTunnelJob } from '../scheduler/job-files.js';
import type { RunSsh } from '../ssh/run.js';
import { sshRunner } from '../ssh/runner.js';
import { planLoginCommand, type SchedulerHost } from '../scheduler/login.js';
import { slurmMessage } from '../scheduler/slurm/parse.js';
import { REFUSED, splitSbatchOptions } from '../scheduler/slurm/options.js';
import { launchFactoryScript, stopFactoryScript } from './factory-scripts.js';
import { schedulerHostFor, type LoginRoute } from './worker-array.js';

/*
 * `tunnel worker workqueue NAME --factory`: work_queue_factory -T slurm runs on the login node
 * against the manager's forwarded port there, submits one job per worker the queue needs, and
 * runs each through a wrapper that opens the worker's own ssh -L to the head node. The factory is
 * recorded under the background tunnel NAME, whose `down` stops it (and so its workers).
 */

export interface WorkerFactoryInput {
  name: string;
  /** The wrapper script (renderFactoryWrapper). */
  wrapper: string;
  /** The manager's port on the login node. */
  headPort: number;
  minWorkers?: number | string | undefined;
  maxWorkers?: number | string | undefined;
  /** sbatch options for every worker job (-B). */
  slurm?: string | undefined;
  /** Extra options for each work_queue_worker (-E). */
  workerArgs?: readonly string[] | undefined;
  via?: string | readonly string[] | undefined;
  connectTimeout?: number | undefined;
}

export interface WorkerFactoryPlan {
  name: string;
  wrapper: string;
  host: SchedulerHost;
  minWorkers: number;
  maxWorkers: number;
  /** The factory's argv after its private paths (-S, --wrapper, -o). */
  factoryArgs: string[];
  launch: string[];
  stop: string[];
}

/**
 * The catalog its workers are told about (-C) and the factory would report to: a loopback port
 * where nothing listens, so neither ever contacts catalog.cse.nd.edu (the cctools default).
 */
export const NO_CATALOG = '127.0.0.1:9097';

/** Options that would break the factory's one-worker jobs. */
const FACTORY_REFUSED: Readonly<Record<string, string>> = {
  ...REFUSED,
  '-a': 'the factory submits one job per worker',
  '--array': 'the factory submits one job per worker',
  '-D': 'the factory runs its jobs in its own directory',
  '--chdir': 'the factory runs its jobs in its own directory',
  '-o': "the factory collects its jobs' output itself",
  '--output': "the factory collects its jobs' output itself",
  '-e': "the factory collects its jobs' output itself",
  '--error': "the factory collects its jobs' output itself",
};

/** Checks the options and plans the launch and the stop. Pure but for the directory's random id. */
export function planWorkerFactory(
  input: WorkerFactoryInput,
  running: LoginRoute | undefined,
  id = randomBytes(4).toString('hex'),
): WorkerFactoryPlan {
  if (running === undefined) {
    throw new TunnelError(
      'NOT_FOUND',
      `worker --factory: no background tunnel '${input.name}' runs, so nothing would stop the factory; start the manager's tunnel with 'tunnel up workqueue ... -d --name ${input.name}'`,
      { field: 'name' },
    );
  }
  const maxWorkers = parseInteger(input.maxWorkers, '--max-workers', 10, 1, 10_000);
  const minWorkers = parseInteger(input.minWorkers, '--min-workers', 0, 0, 10_000);
  if (minWorkers > maxWorkers)
    throw new TunnelError('BAD_OPTION', `--min-workers ${minWorkers} is more than --max-workers ${maxWorkers}`, {
      field: '--min-workers',
    });
  const host = schedulerHostFor(input, running);
  const sbatch = input.slurm === undefined ? [] : splitSbatchOptions(input.slurm, FACTORY_REFUSED);
  const factoryArgs = [
    '-T',
    'slurm',
    '--catalog',
    NO_CATALOG,
    '-d',
    'all',
    '-O',
    '8',
    '-w',
    String(minWorkers),
    '-W',
    String(maxWorkers),
    // Its -B text reaches sbatch through a shell: shJoin keeps each word one word.
    ...(sbatch.length === 0 ? [] : ['-B', shJoin(sbatch)]),
    ...((input.workerArgs ?? []).length === 0 ? [] : ['-E', shJoin(input.workerArgs ?? [])]),
    'localhost',
    String(input.headPort),
  ];
  const dirName = `${input.name}-${id}`;
  return {
    name: input.name,
    wrapper: input.wrapper,
    host,
    minWorkers,
    maxWorkers,
    factoryArgs,
    launch: planLoginCommand(host, launchFactoryScript({ dirName, args: factoryArgs })),
    stop: planLoginCommand(host, stopFactoryScript(dirName)),
  };
}

/**
 * Starts the factory on the login node and records it under tunnel NAME (a failed record stops it
 * again). A missing or failing factory is one line (APP_FAILED) and nothing is left.
 */
export async function startWorkerFactory(
  plan: WorkerFactoryPlan,
  options: { run?: RunSsh; home?: string } = {},
): Promise<{ pid: string }> {
  const { run } = sshRunner({ run: options.run });
  const login = formatHop(plan.host.login);
  const timeoutMs = (plan.host.connectTimeout * (plan.host.via.length + 1) + 20) * 1000;
  const result = await run(plan.launch, { timeoutMs, input: plan.wrapper });
  const pid = /^tunnel-launched pid=(\d+)$/m.exec(result.stdout)?.[1];
  if (result.exitCode !== 0 || pid === undefined) {
    throw new TunnelError(
      result.exitCode === 255 ? 'CONNECT_FAILED' : 'APP_FAILED',
      `work_queue_factory on ${login} did not start: ${slurmMessage(result.stderr, result.timedOut ? 'timed out' : `exit ${result.exitCode ?? 'by signal'}`)}`,
      {
        argv: plan.launch,
        exitCode: result.exitCode,
      },
    );
  }
  const what = `work_queue_factory on ${login} (pid ${pid}, ${plan.minWorkers}-${plan.maxWorkers} workers)`;
  try {
    await addTunnelJob(
      plan.name,
      { id: pid, scheduler: 'slurm', kind: 'factory', what, cancel: plan.stop, submittedAt: new Date().toISOString() },
      options.home,
    );
  } catch (error) {
    // Unrecorded, the factory would outlive its manager: stop it rather than leave it.
    await run(plan.stop, { timeoutMs: timeoutMs + 30_000 }).catch(() => undefined);
    throw error;
  }
  return { pid };
}

/** --dry-run: the wrapper, the ssh that starts the factory, and the one `tunnel down NAME` runs. Pure. */
export function workerFactoryDryRun(plan: WorkerFactoryPlan): string[] {
  return [
    '# the wrapper each worker job runs (the ssh below reads it on stdin):',
    ...plan.wrapper
      .trimEnd()
      .split('\n')
      .map((l) => `#   ${l}`),
    `# start work_queue_factory on ${formatHop(plan.host.login)} (${plan.minWorkers} to ${plan.maxWorkers} workers; prints its pid):`,
    `${shJoin(plan.launch)} < wrapper.sh`,
    `# 'tunnel down ${plan.name}' stops it (SIGTERM: it cancels its workers) with:`,
    shJoin(plan.stop),
  ];
}
