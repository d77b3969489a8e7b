import type { Command } from 'commander';
import type { JobOptions } from '../api/up.js';

/** Flags that make `up` job-aware: the node comes from the scheduler, not from --to. */
export function addJobFlags(command: Command): Command {
  return command
    .option(
      '--slurm <sbatch-options>',
      "submit a Slurm job through the login node (the last --via) and tunnel to its node, e.g. --slurm '-p normal -t 1:00:00'",
    )
    .option('--run <command>', 'with --slurm: what the job runs on the node ($TUNNEL_DIR is a private directory there)')
    .option('--job <id>', 'attach to a running Slurm job of yours and tunnel to its node (never cancelled)')
    .option('--keep-job', 'leave the submitted job running when the tunnel goes down')
    .option('--poll <seconds>', 'how often to look at the running job (default 5); its end closes the tunnel');
}

export interface JobFlags {
  slurm?: string;
  run?: string;
  job?: string;
  keepJob?: boolean;
  poll?: string;
}

export function jobOptionsFromFlags(flags: JobFlags): JobOptions {
  return { slurm: flags.slurm, run: flags.run, job: flags.job, keepJob: flags.keepJob, poll: flags.poll };
}
