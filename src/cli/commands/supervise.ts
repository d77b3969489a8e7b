import type { Command } from 'commander';
import type { SetExit } from '../set-exit.js';

/** Internal: the detached supervisor process started by `up -d`. */
export function registerSupervise(program: Command, setExit: SetExit): void {
  program
    .command('__supervise <name>', { hidden: true })
    .action(async (name: string) => setExit(await (await import('../../api/supervise.js')).runSupervisor(name)));
}
