import type { Command } from 'commander';
import { parseName } from '../../api/present.js';
import type { SetExit } from '../set-exit.js';

export function registerAuth(program: Command, setExit: SetExit): void {
  program
    .command('auth <name>')
    .description('log in again, from this terminal, for a background --multiplex tunnel waiting in needs-auth (2FA)')
    .action(async (name: string) => {
      const { authenticate } = await import('../../api/records.js');
      const record = await authenticate(parseName(name, 'name'));
      process.stdout.write(`${name}: ${record.state} again, on the connection you just authenticated\n`);
      setExit(0);
    });
}
