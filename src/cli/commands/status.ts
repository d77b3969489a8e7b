import type { Command } from 'commander';
import { exitCodeFor } from '../exit-codes.js';
import type { SubmittedJob } from '../../api/records.js';
import type { SetExit } from '../set-exit.js';
import { jobCell, renderTable } from '../tunnel-table.js';

export function registerStatus(program: Command, setExit: SetExit): void {
  program
    .command('status <name>')
    .description('show one background tunnel; exits non-zero unless it is up')
    .option('--json', 'print a JSON object')
    .action(async (name: string, flags: { json?: boolean }) => {
      const { status } = await import('../../api/records.js');
      const listed = await status(name);
      const job =
        listed.job === undefined
          ? ''
          : `job: ${jobCell(listed.job)}; ${listed.job.cancel === null ? 'it is not cancelled by down' : `tunnel down ${name} cancels it`}\n`;
      const submitted = (listed.submitted ?? [])
        .map(
          (j) =>
            `${submittedLine(j)}; tunnel down ${name} ${j.kind === 'factory' ? 'stops it and its workers' : 'cancels it'}\n`,
        )
        .join('');
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(listed)}\n`
          : `${renderTable([listed])}${job}${submitted}commands:\n${listed.commands.map((c) => `  ${c.join(' ')}`).join('\n')}\n`,
      );
      setExit(listed.state === 'up' ? 0 : listed.lastError ? exitCodeFor(listed.lastError.code as never) : 1);
    });
}

/** What was submitted for the tunnel, as recorded when it was (no ssh: Slurm is not asked). */
function submittedLine(j: SubmittedJob): string {
  return j.kind === 'factory' ? `submitted: ${j.what}` : `submitted: Slurm job ${j.id} (${j.what})`;
}
