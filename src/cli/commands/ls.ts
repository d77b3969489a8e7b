import type { Command } from 'commander';
import { listTunnels, type ListedTunnel } from '../../daemon/list.js';
import { formatTimeLeft } from '../../resolve/describe.js';
import type { JobRecord } from '../../state/record.js';
import { styleFor } from '../style.js';
import type { SetExit } from './index.js';

export function registerLs(program: Command, setExit: SetExit): void {
  program
    .command('ls')
    .description('list background tunnels: state, forwards, uptime, restarts, last error')
    .option('--json', 'print a JSON array')
    .option('--saved', 'list saved tunnels (tunnel save) instead of running ones')
    .action(async (flags: { json?: boolean; saved?: boolean }) => {
      if (flags.saved) {
        const { listSaved, savedTunnelFlags } = await import('../../profiles/index.js');
        const saved = listSaved();
        process.stdout.write(flags.json ? `${JSON.stringify(saved)}\n` : saved.length === 0 ? 'no saved tunnels (save one with: tunnel save NAME ...)\n' : saved.map((t) => `${t.name}\t${savedTunnelFlags(t).join(' ')}\n`).join(''));
        return setExit(0);
      }
      // A tunnel whose state cannot be read is never silently left out: its ssh may still run.
      let unreadable = 0;
      const tunnels = await listTunnels((error) => {
        unreadable += 1;
        process.stderr.write(`tunnel: ${error instanceof Error ? error.message : String(error)}\n`);
      });
      process.stdout.write(flags.json ? `${JSON.stringify(tunnels)}\n` : renderTable(tunnels));
      setExit(unreadable === 0 ? 0 : 1);
    });
}

export function renderTable(tunnels: ListedTunnel[]): string {
  if (tunnels.length === 0) return 'no background tunnels (start one with: tunnel up ... -d --name NAME)\n';
  const style = styleFor();
  const rows = tunnels.map((t) => [
    t.name,
    colourState(t.state, style),
    t.forwards.map((f) => `${f.listen}${f.direction === 'L' ? '→' : '←'}${f.target}`).join(', '),
    t.uptimeSeconds === null ? '-' : formatDuration(t.uptimeSeconds),
    String(t.restarts),
    t.lastError?.message ?? '',
  ]);
  const header = ['NAME', 'STATE', 'FORWARDS', 'UPTIME', 'RESTARTS', 'LAST ERROR'];
  // Tunnels to scheduler jobs get a JOB column (id, state, node, walltime left); others keep the table as it was.
  if (tunnels.some((t) => t.job !== undefined)) {
    header.splice(3, 0, 'JOB');
    rows.forEach((row, i) => row.splice(3, 0, jobCell(tunnels[i]!.job)));
  }
  return [header, ...rows].map((row) => row.join('\t')).join('\n') + '\n';
}

export function jobCell(job: JobRecord | undefined): string {
  if (job === undefined) return '-';
  return `${job.scheduler} ${job.id} ${job.state}${job.node === null ? '' : ` on ${job.node}`}${job.timeLeft === null ? '' : `, ${formatTimeLeft(job.timeLeft)} left`}`;
}

function colourState(state: string, style: ReturnType<typeof styleFor>): string {
  if (state === 'up') return style.green(state);
  if (state === 'degraded' || state === 'reconnecting' || state === 'needs-auth') return style.yellow(state);
  return style.red(state);
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}
