import type { Command } from 'commander';
import { TunnelError } from '../../errors.js';
import type { StopResult } from '../../api/records.js';
import { exitCodeFor } from '../exit-codes.js';
import type { SetExit } from '../set-exit.js';

export function registerDown(program: Command, setExit: SetExit): void {
  program
    .command('down [names...]')
    .description('stop background tunnels and remove every socket and process they left')
    .option('--all', 'stop every background tunnel')
    .option('--json', 'print what was stopped as JSON')
    .action(async (names: string[], flags: { all?: boolean; json?: boolean }) => {
      if (!flags.all && names.length === 0)
        throw new TunnelError('BAD_OPTION', 'down: name a tunnel (see tunnel ls) or pass --all', { field: 'names' });
      const { stop, backgroundNames } = await import('../../api/records.js');
      // Each name on its own: one that fails (not found, a corrupt record) never keeps the others up.
      const results: StopResult[] = [];
      let worst = 0;
      for (const name of flags.all ? await backgroundNames() : names) {
        try {
          results.push(await stop(name));
        } catch (error) {
          if (!(error instanceof TunnelError)) throw error;
          process.stderr.write(`tunnel: ${error.message}\n`);
          worst = Math.max(worst, exitCodeFor(error.code));
        }
      }
      process.stdout.write(flags.json ? `${JSON.stringify(results)}\n` : results.map(downLines).join(''));
      // A job left running holds the cluster's nodes: that is a failure the user must act on.
      setExit(Math.max(worst, results.some((r) => r.jobs.some((j) => !j.cancelled)) ? 1 : 0));
    });
}

function downLines(r: StopResult): string {
  const jobs = r.jobs.map(jobLine);
  return `down ${r.name}${r.how === 'supervisor' ? '' : ' (supervisor was dead; cleaned up after it)'}\n${jobs.join('')}`;
}

function jobLine(j: StopResult['jobs'][number]): string {
  if (j.kind === 'factory') {
    return j.cancelled
      ? `  stopped ${j.what}\n`
      : `  ${j.what} NOT stopped: ${j.error ?? 'its stop failed'}; on the login node run kill ${j.id}, then scancel its workers\n`;
  }
  return j.cancelled
    ? `  cancelled Slurm job ${j.id} (${j.what})\n`
    : `  Slurm job ${j.id} (${j.what}) NOT cancelled: ${j.error ?? 'scancel failed'}; run scancel ${j.id} on the login node\n`;
}
