import type { Command } from 'commander';
import type { SetExit } from '../set-exit.js';

export function registerRm(program: Command, setExit: SetExit): void {
  program
    .command('rm')
    .description('delete saved tunnels (all named ones, or none if one does not exist)')
    .argument('<name...>', 'saved tunnel names')
    .option('--json', 'print {"removed": [...]}')
    .action(async (names: string[], flags: { json?: boolean }) => {
      const { removeSaved } = await import('../../api/saved.js');
      const removed = await removeSaved(names);
      process.stdout.write(flags.json ? `${JSON.stringify({ removed })}\n` : `removed ${removed.join(', ')}\n`);
      setExit(0);
    });
}
