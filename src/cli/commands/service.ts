import type { Command } from 'commander';
import { enableHint, parseName } from '../../api/present.js';
import type { SetExit } from '../set-exit.js';

export function registerService(program: Command, setExit: SetExit): void {
  const service = program.command('service').description('run a saved tunnel durably under systemd --user');
  service
    .command('install <name>')
    .description('write a systemd user unit that keeps the saved tunnel NAME up (Restart=always, no start limit)')
    .option('--dry-run', 'print the unit and write nothing')
    .action(async (name: string, flags: { dryRun?: boolean }) => {
      const safe = parseName(name, 'name');
      const { installUnit, planUnit } = await import('../../api/service.js');
      const unit = flags.dryRun ? await planUnit(safe) : await installUnit(safe);
      process.stdout.write(flags.dryRun ? unit.text : `wrote ${unit.path}\nstart it with: ${enableHint(safe)}\n`);
      setExit(0);
    });
  service
    .command('remove <name>')
    .description(
      'remove the unit written by service install (stop it first: systemctl --user disable --now tunnel-NAME)',
    )
    .action(async (name: string) => {
      const { removeUnit } = await import('../../api/service.js');
      process.stdout.write(`removed ${await removeUnit(parseName(name, 'name'))}\n`);
      setExit(0);
    });
}
