import type { Command } from 'commander';
// list() statically: `tunnel ls` is the command that must start fastest (one chunk fewer to read).
import { list } from '../../api/records.js';
import type { SetExit } from '../set-exit.js';
import { renderTable } from '../tunnel-table.js';

export function registerLs(program: Command, setExit: SetExit): void {
  program
    .command('ls')
    .description('list background tunnels: state, forwards, uptime, restarts, last error')
    .option('--json', 'print a JSON array')
    .option('--saved', 'list saved tunnels (tunnel save) instead of running ones')
    .action(async (flags: { json?: boolean; saved?: boolean }) =>
      setExit(flags.saved ? await printSaved(flags) : await printRunning(flags)),
    );
}

async function printSaved(flags: { json?: boolean }): Promise<number> {
  const { listSaved, savedTunnelFlags } = await import('../../api/saved.js');
  const saved = await listSaved();
  process.stdout.write(
    flags.json
      ? `${JSON.stringify(saved)}\n`
      : saved.length === 0
        ? 'no saved tunnels (save one with: tunnel save NAME ...)\n'
        : saved.map((t) => `${t.name}\t${savedTunnelFlags(t).join(' ')}\n`).join(''),
  );
  return 0;
}

async function printRunning(flags: { json?: boolean }): Promise<number> {
  // A tunnel whose state cannot be read is never silently left out: its ssh may still run.
  let unreadable = 0;
  const tunnels = await list({
    onUnreadable: (error) => {
      unreadable += 1;
      process.stderr.write(`tunnel: ${error instanceof Error ? error.message : String(error)}\n`);
    },
  });
  process.stdout.write(flags.json ? `${JSON.stringify(tunnels)}\n` : renderTable(tunnels));
  return unreadable === 0 ? 0 : 1;
}
