import { TunnelError } from '../errors.js';
import { shJoin } from '../plan/quote.js';
import { DEFAULTS } from '../model/defaults.js';
import { parseHopList } from '../model/hop.js';
import { parseInteger } from '../model/tunnel.js';
import type { TunnelOptions } from '../model/types.js';
import { schedulerControlPath, type SchedulerHost } from './login.js';
import { slurmCommands } from './slurm/index.js';
import { splitSbatchOptions } from './slurm/options.js';
import { parseJobId } from './slurm/parse.js';
import { renderJobScript, type JobScriptInput } from './slurm/script.js';

/** The options that make a tunnel job-aware (on top of the tunnel's own). */
export interface JobOptions {
  /** Submit a job with these sbatch options and tunnel to its node. */
  slurm?: string | undefined;
  /** Attach to this running job instead (never cancelled). */
  job?: string | undefined;
  /** Plain tunnels: the command the job runs ($TUNNEL_DIR is its private directory on the node). */
  run?: string | undefined;
  /** Leave the submitted job running when the tunnel goes down. */
  keepJob?: boolean | undefined;
  /** Seconds between two looks at a running job (default 5). */
  poll?: string | number | undefined;
}

export type JobInput = TunnelOptions & JobOptions;

/** Everything a job-aware `up` will run before the tunnel, decided up front. Pure. */
export interface JobPlan {
  host: SchedulerHost;
  sbatch: string[];
  jobName: string;
  /** --name given: a job of the same name still queued or running is reused instead of submitting another. */
  reuse: boolean;
  /** The rendered batch script (submit), or undefined (attach). */
  script: string | undefined;
  attach: string | undefined;
  /** A submitted job's private directory on the node: its notes count only when they name it. */
  notesDir: string | undefined;
  keepJob: boolean;
  pollMs: number;
  /** The job's app starts only once the tunnel tells it the port its -R got (pvserver connecting back). */
  waitForPort?: boolean;
  /** The tunnel's options without its target: the job's node becomes --to. */
  tunnel: TunnelOptions;
}

export function hasJobOptions(input: JobOptions): boolean {
  return input.slurm !== undefined || input.job !== undefined;
}

/** Checks the combination of options and renders the batch script for `app`. */
export function planJob(
  input: JobInput,
  app: JobScriptInput | undefined,
  template: string,
  stateHome: string,
): JobPlan {
  if (input.slurm !== undefined && input.job !== undefined)
    throw bad('--job', '--job attaches to a running job; it cannot be combined with --slurm');
  if (input.to !== undefined)
    throw bad('--to', '--to: the node comes from the job; drop --to (the last --via is the login node)');
  if (input.job !== undefined && input.run !== undefined)
    throw bad('--run', '--run starts a command in a new job; with --job the job is already running');
  const via = parseHopList(input.via);
  const login = via.pop();
  if (login === undefined)
    throw bad('--via', '--via: name the login node where sbatch and squeue run (e.g. --via login)');
  const connectTimeout = parseInteger(input.connectTimeout, '--connect-timeout', DEFAULTS.connectTimeout, 1, 600);
  const base = {
    via,
    login,
    sshConfig: input.sshConfig,
    connectTimeout,
    batchMode: input.batchMode === true || input.multiplex !== true,
  };
  const host: SchedulerHost = {
    ...base,
    controlPath: input.multiplex === true ? schedulerControlPath(stateHome, base) : undefined,
  };
  const sbatch = input.slurm === undefined ? [] : splitSbatchOptions(input.slurm);
  if (input.slurm !== undefined && app === undefined)
    throw bad(
      '--run',
      "--slurm needs the command the job runs: --run 'CMD' (or an app preset, e.g. tunnel up jupyter --slurm ...)",
    );
  return {
    host,
    sbatch,
    jobName: `tnl-${input.name ?? 'job'}`.slice(0, 64),
    reuse: input.name !== undefined,
    script: input.slurm === undefined ? undefined : renderJobScript(template, app!),
    attach: input.job === undefined ? undefined : parseJobId(input.job),
    notesDir: input.slurm === undefined ? undefined : app?.dir,
    keepJob: input.keepJob === true || input.job !== undefined,
    pollMs: parseInteger(input.poll, '--poll', 5, 1, 3600) * 1000,
    ...(input.slurm !== undefined && app?.waitForPort === true ? { waitForPort: true } : {}),
    tunnel: tunnelOnly(input),
  };
}

/** Only the tunnel's own keys: a preset's or a job's options never reach the tunnel spec. */
function tunnelOnly(input: JobInput): TunnelOptions {
  const {
    name,
    via,
    local,
    remote,
    strategy,
    keepalive,
    keepaliveCount,
    connectTimeout,
    sshConfig,
    batchMode,
    multiplex,
  } = input;
  return {
    name,
    via,
    local,
    remote,
    strategy,
    keepalive,
    keepaliveCount,
    connectTimeout,
    sshConfig,
    batchMode,
    multiplex,
  };
}

/** --dry-run: the batch script, then each ssh the tool would run, then the tunnel's own lines. */
export function jobDryRun(plan: JobPlan, tunnelLines: string[]): string[] {
  const commands = slurmCommands({ host: plan.host, sbatch: plan.sbatch, jobName: plan.jobName, reuse: plan.reuse });
  const lines: string[] = [];
  if (plan.script !== undefined) {
    lines.push(
      '# the batch script (sbatch reads it on stdin):',
      ...plan.script
        .trimEnd()
        .split('\n')
        .map((l) => `#   ${l}`),
    );
    lines.push('# submit it through the login node (prints the job id):', `${shJoin(commands.submit)} < job.sh`);
  }
  const id = plan.attach ?? 'JOBID';
  lines.push(
    plan.attach === undefined
      ? '# follow it (one ssh) until it is RUNNING on a node and its app is ready; then, while the tunnel runs, poll it:'
      : '# look at it: RUNNING, on which node, and whose; then, while the tunnel runs, poll it the same way:',
    shJoin(waitArgv(plan, commands, id)),
  );
  lines.push('# then the tunnel to the node (NODE):', ...tunnelLines);
  if (plan.waitForPort === true) {
    lines.push(
      '# once its -R is up, tell the job the port it got on NODE (the app starts then, and connects back through it):',
      shJoin(commands.tell(id, { port: 'PORT' })),
    );
  }
  if (plan.attach === undefined)
    lines.push(
      plan.keepJob
        ? '# --keep-job: the job keeps running afterwards; cancel it with:'
        : '# on the way down (and on Ctrl-C while waiting), cancel the job:',
      shJoin(commands.cancel(id)),
    );
  return lines;
}

function waitArgv(plan: JobPlan, commands: ReturnType<typeof slurmCommands>, id: string): string[] {
  return plan.attach === undefined ? commands.follow(id, plan.notesDir) : commands.poll(id);
}

/** --dry-run --json: the same, as data (the job id and node are placeholders: JOBID, NODE). */
export function jobDryRunJson(plan: JobPlan, tunnelArgv: readonly string[] | undefined): Record<string, unknown> {
  const commands = slurmCommands({ host: plan.host, sbatch: plan.sbatch, jobName: plan.jobName, reuse: plan.reuse });
  const id = plan.attach ?? 'JOBID';
  return {
    state: 'planned',
    script: plan.script ?? null,
    commands: {
      submit: plan.script === undefined ? null : commands.submit,
      wait: waitArgv(plan, commands, id),
      poll: commands.poll(id),
      ...(plan.waitForPort === true ? { tellPort: commands.tell(id, { port: 'PORT' }) } : {}),
      cancel: plan.attach === undefined ? commands.cancel(id) : null,
    },
    tunnel: tunnelArgv ?? null,
    keepJob: plan.keepJob,
  };
}

function bad(field: string, message: string): TunnelError {
  return new TunnelError('BAD_OPTION', message, { field });
}
