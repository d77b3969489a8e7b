import { TunnelError } from '../errors.js';
import { parseName } from '../model/name.js';
import { findPreset, readTemplate } from '../presets/load.js';
import type { ReversePreset } from '../presets/types.js';
import type { RunSsh } from '../ssh/run.js';
import { resolveWorkerHead } from '../workqueue/head.js';
import { renderWorkerScript, type WorkerScriptInput } from '../workqueue/worker-script.js';

/** Workers for the manager tunnel NAME publishes: where they connect, and the script's options. */
export interface WorkerOptions extends Omit<WorkerScriptInput, 'name' | 'head' | 'headPort'> {
  /** The preset with a worker script (workqueue). */
  preset: string;
  /** The running or saved tunnel that publishes the manager; also the job name. */
  name: string;
  /** The head node as compute nodes reach it (default: tunnel NAME's target). */
  head?: string | undefined;
  /** The manager's port there (default: the one tunnel NAME allocated). */
  headPort?: string | number | undefined;
}

/** How workers are submitted through the login node: sbatch options, the route, whether `down` cancels them. */
export interface SubmitOptions {
  slurm?: string | undefined;
  via?: string | readonly string[] | undefined;
  keepJob?: boolean | undefined;
  run?: RunSsh | undefined;
}

/** The worker job script (`tunnel worker PRESET NAME`): printed or written for you to submit. */
export async function workerScript(options: WorkerOptions): Promise<string> {
  const { preset, head, headPort } = await workerTarget(options);
  return renderWorkerScript(preset, await readTemplate(preset.reverse.worker!.template), {
    ...options,
    name: options.name,
    head,
    headPort,
  });
}

/** Submits the workers as one Slurm array through the login node, recorded under NAME so `down` cancels them. */
export async function submitWorkers(
  options: WorkerOptions & SubmitOptions & { dryRun?: boolean },
): Promise<{ id: string; recorded: boolean; count: string } | { dryRun: string[] }> {
  const script = await workerScript({ ...options, scheduler: 'slurm' });
  const { planWorkerArray, runningRoute, submitWorkerArray, workerArrayDryRun } =
    await import('../workqueue/worker-array.js');
  const plan = planWorkerArray(
    { name: options.name, script, slurm: options.slurm, via: options.via, keepJob: options.keepJob },
    await runningRoute(options.name),
  );
  if (options.dryRun === true) return { dryRun: workerArrayDryRun(plan) };
  const count = /^#SBATCH --array=1-(\d+)$/m.exec(script)?.[1] ?? '1';
  return {
    ...(await submitWorkerArray(plan, {
      what: `${count} workers`,
      ...(options.run === undefined ? {} : { run: options.run }),
    })),
    count,
  };
}

/** Runs work_queue_factory on the login node (one job per worker the queue needs), stopped by `down NAME`. */
export async function startWorkerFactory(
  options: WorkerOptions &
    SubmitOptions & {
      minWorkers?: string | number | undefined;
      maxWorkers?: string | number | undefined;
      dryRun?: boolean;
    },
): Promise<{ pid: string; minWorkers: number; maxWorkers: number } | { dryRun: string[] }> {
  const { head, headPort } = await workerTarget(options);
  const { FACTORY_WRAPPER_TEMPLATE, renderFactoryWrapper } = await import('../workqueue/factory-wrapper.js');
  const factory = await import('../workqueue/worker-factory.js');
  const { runningRoute } = await import('../workqueue/worker-array.js');
  const wrapper = renderFactoryWrapper(await readTemplate(FACTORY_WRAPPER_TEMPLATE), {
    name: options.name,
    head,
    headPort,
    sshConfig: options.sshConfig,
    forwardTimeout: options.forwardTimeout,
    forwardGiveUp: options.forwardGiveUp,
  });
  const plan = factory.planWorkerFactory(
    {
      name: options.name,
      wrapper,
      headPort: Number(headPort),
      minWorkers: options.minWorkers,
      maxWorkers: options.maxWorkers,
      slurm: options.slurm,
      workerArgs: options.workerArgs,
      via: options.via,
    },
    await runningRoute(options.name),
  );
  if (options.dryRun === true) return { dryRun: factory.workerFactoryDryRun(plan) };
  const { pid } = await factory.startWorkerFactory(plan, options.run === undefined ? {} : { run: options.run });
  return { pid, minWorkers: plan.minWorkers, maxWorkers: plan.maxWorkers };
}

/** The preset (it must have a worker script) and the head node and port the workers reach. */
async function workerTarget(
  options: WorkerOptions,
): Promise<{ preset: ReversePreset; head: string; headPort: string | number }> {
  const preset = await findPreset(options.preset);
  if (preset.kind !== 'reverse' || preset.reverse.worker === undefined) {
    throw new TunnelError(
      'BAD_OPTION',
      `worker: the '${options.preset}' preset has no worker script (see 'tunnel apps')`,
      { field: 'preset' },
    );
  }
  const { head, headPort } = await resolveWorkerHead(preset.name, parseName(options.name, 'NAME'), {
    head: options.head,
    headPort: options.headPort,
  });
  return { preset, head, headPort };
}
