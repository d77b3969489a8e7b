import type { Command } from 'commander';
import { runSupervisor } from '../../daemon/supervisor.js';
import type { SetExit } from './index.js';

/** Internal: the detached supervisor process started by `up -d`. */
export function registerSupervise(program: Command, setExit: SetExit): void {
  program
    .command('__supervise <name>', { hidden: true })
    .action(async (name: string) => setExit(await runSupervisor(name)));
}
