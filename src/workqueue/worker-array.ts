import { TunnelError } from '../errors.js';
import { shJoin } from '../plan/quote.js';
import { DEFAULTS } from '../model/defaults.js';
import { formatHop, parseHopList } from '../model/hop.js';
import { addTunnelJob } from '../scheduler/job-files.js';
import type { TunnelRecord } from '../background/record.js';
import type { RunSsh } from '../ssh/run.js';
import type { SchedulerHost } from '../scheduler/login.js';
import { slurm, slurmCommands } from '../scheduler/slurm/index.js';
import { REFUSED, splitSbatchOptions } from '../scheduler/slurm/options.js';

/*
 * `tunnel worker workqueue NAME --submit slurm`: the worker script goes to sbatch through the
 * login node (the same ssh the job-aware tunnels use), and the array is tied to the background
 * tunnel NAME, whose `down` cancels it.
 */

/** The way to the login node, as the running tunnel NAME reached its target (or as --via says). */
export interface LoginRoute {
  via: string[];
  login: string;
  sshConfig: string | undefined;
}

export interface WorkerArrayInput {
  /** The manager's tunnel: the array is recorded under it. */
  name: string;
  /** The rendered worker script (its #SBATCH lines name the array). */
  script: string;
  /** sbatch options on top of the script's own (--slurm "..."). */
  slurm?: string | undefined;
  /** The login node, and hops before it (default: tunnel NAME's route). */
  via?: string | readonly string[] | undefined;
  keepJob?: boolean | undefined;
  connectTimeout?: number | undefined;
}

/** What a worker submit will run, decided up front. Pure; it is what --dry-run prints. */
export interface WorkerArrayPlan {
  name: string;
  script: string;
  host: SchedulerHost;
  sbatch: string[];
  jobName: string;
  keepJob: boolean;
  submit: string[];
  cancel: (id: string) => string[];
}

/** Options that would break the worker array (its size is --count; the script is the batch script). */
const WORKER_REFUSED: Readonly<Record<string, string>> = {
  ...REFUSED,
  '-a': '--count sets the array size',
  '--array': '--count sets the array size',
  '--wrap': 'the worker script is the batch script',
};

/** The route to the login node recorded by the background tunnel NAME (its preset's target), or undefined. Pure. */
export function routeOfRecord(record: Pick<TunnelRecord, 'preset' | 'route'> | undefined): LoginRoute | undefined {
  const state = record?.preset?.state as { via?: unknown; to?: unknown; sshConfig?: unknown } | undefined;
  if (state === undefined || typeof state.to !== 'string') return undefined;
  const via = Array.isArray(state.via) ? state.via.filter((h): h is string => typeof h === 'string') : [];
  return { via, login: state.to, sshConfig: typeof state.sshConfig === 'string' ? state.sshConfig : undefined };
}

/**
 * Checks the options and plans the submit. `running`: the route of the live background tunnel
 * NAME, undefined when it does not run (then only --keep-job with --via can submit: nothing would cancel it).
 */
export function planWorkerArray(input: WorkerArrayInput, running: LoginRoute | undefined): WorkerArrayPlan {
  const keepJob = input.keepJob === true;
  if (running === undefined && !keepJob) {
    throw new TunnelError(
      'NOT_FOUND',
      `worker --submit: no background tunnel '${input.name}' runs, so nothing would cancel the workers; start the manager's tunnel with 'tunnel up workqueue ... -d --name ${input.name}', or pass --keep-job (and --via LOGIN)`,
      { field: 'name' },
    );
  }
  const host = schedulerHostFor(input, running);
  const sbatch = input.slurm === undefined ? [] : splitSbatchOptions(input.slurm, WORKER_REFUSED);
  const jobName = input.name;
  const commands = slurmCommands({ host, sbatch, jobName, output: arrayOutput(input.script) });
  return {
    name: input.name,
    script: input.script,
    host,
    sbatch,
    jobName,
    keepJob,
    submit: commands.submit,
    cancel: commands.cancel,
  };
}

/** The login node where the scheduler's commands run: --via as given, else tunnel NAME's route. */
export function schedulerHostFor(
  input: Pick<WorkerArrayInput, 'via' | 'connectTimeout'>,
  running: LoginRoute | undefined,
): SchedulerHost {
  const hops = input.via === undefined ? undefined : parseHopList(input.via);
  const route = hops === undefined ? running : undefined;
  if (hops !== undefined && hops.length === 0)
    throw new TunnelError('BAD_OPTION', '--via: name the login node where sbatch runs', { field: '--via' });
  if (hops === undefined && route === undefined)
    throw new TunnelError('BAD_OPTION', `worker --submit: name the login node where sbatch runs with --via LOGIN`, {
      field: '--via',
    });
  const via = hops ?? parseHopList(route!.via);
  const login = hops === undefined ? parseHopList(route!.login)[0]! : via.pop()!;
  return {
    via,
    login,
    sshConfig: hops === undefined ? route!.sshConfig : undefined,
    connectTimeout: input.connectTimeout ?? DEFAULTS.connectTimeout,
    // The manager's tunnel reconnects in BatchMode; the submit and `down`'s scancel use the same keys.
    batchMode: true,
    controlPath: undefined,
  };
}

/** A job array's tasks each get a file (%A_%a); a single worker job its own id (%j). */
function arrayOutput(script: string): string {
  return /^#SBATCH --array=/m.test(script) ? '%A_%a.out' : '%j.out';
}

/** The route of the live background tunnel NAME (up, degraded, reconnecting, starting), else undefined. */
export async function runningRoute(name: string): Promise<LoginRoute | undefined> {
  const { listTunnels } = await import('../background/list.js');
  const record = (await listTunnels()).find((t) => t.name === name);
  return record !== undefined && LIVE.has(record.state) ? routeOfRecord(record) : undefined;
}

const LIVE = new Set(['starting', 'up', 'degraded', 'reconnecting', 'needs-auth']);

/**
 * Submits the workers and, unless --keep-job, records the array under tunnel NAME so its `down`
 * cancels it. sbatch's refusal is one line (JOB_REFUSED) and nothing is submitted or recorded.
 */
export async function submitWorkerArray(
  plan: WorkerArrayPlan,
  options: { run?: RunSsh; home?: string; what?: string } = {},
): Promise<{ id: string; recorded: boolean }> {
  const scheduler = slurm({
    host: plan.host,
    sbatch: plan.sbatch,
    jobName: plan.jobName,
    output: arrayOutput(plan.script),
    ...(options.run === undefined ? {} : { run: options.run }),
  });
  const { id } = await scheduler.submit(plan.script);
  if (plan.keepJob) return { id, recorded: false };
  const job = {
    id: id.split('_')[0]!,
    scheduler: 'slurm' as const,
    what: options.what ?? 'workers',
    cancel: plan.cancel(id),
    submittedAt: new Date().toISOString(),
  };
  try {
    await addTunnelJob(plan.name, job, options.home);
  } catch (error) {
    // Unrecorded, the array would outlive its manager: cancel it rather than leave it.
    await scheduler.cancel(id).catch(() => undefined);
    throw error;
  }
  return { id, recorded: true };
}

/** --dry-run: the batch script, the submit, and the scancel `tunnel down NAME` would run. Pure. */
export function workerArrayDryRun(plan: WorkerArrayPlan): string[] {
  return [
    '# the worker script (sbatch reads it on stdin):',
    ...plan.script
      .trimEnd()
      .split('\n')
      .map((l) => `#   ${l}`),
    `# submit it through ${formatHop(plan.host.login)} (prints the array's job id):`,
    `${shJoin(plan.submit)} < workers.sbatch`,
    plan.keepJob
      ? '# --keep-job: nothing cancels the workers; cancel them yourself with:'
      : `# 'tunnel down ${plan.name}' cancels the workers with:`,
    shJoin(plan.cancel('JOBID')),
  ];
}
