import type { Command } from 'commander';
import { plan, toSpec, up } from '../../api.js';
import { startDetached } from '../../daemon/detach.js';
import { newRunId } from '../../plan/index.js';
import { planMux } from '../../plan/mux.js';
import { shJoin } from '../../plan/quote.js';
import { stateHome } from '../../state/paths.js';
import { join } from 'node:path';
import { parseInteger } from '../../spec/tunnel.js';
import { DEFAULTS } from '../../spec/defaults.js';
import type { Tunnel } from '../../supervise/tunnel.js';
import { exitCodeFor, exitCodeForSignal } from '../exit-codes.js';
import { describeTunnel, dryRunLines, tunnelJson } from '../render.js';
import { styleFor } from '../style.js';
import { resolveSavedOptions } from '../saved-options.js';
import { addTunnelFlags, tunnelOptionsFromFlags, type TunnelFlags } from '../tunnel-flags.js';
import type { SetExit } from './index.js';

interface UpFlags extends TunnelFlags {
  dryRun?: boolean;
  json?: boolean;
  readyTimeout?: string;
  maxRetries?: string;
  reconnect?: boolean;
  detach?: boolean;
  healthInterval?: string;
}

export function registerUp(program: Command, setExit: SetExit): void {
  addTunnelFlags(program.command('up').argument('[name]', 'a saved tunnel (see tunnel save); flags given here override its settings').description('bring a tunnel up and keep it up until Ctrl-C'))
    .option('--dry-run', 'print the ssh command line(s) and run nothing')
    .option('--json', 'print one JSON object once every forward is ready')
    .option('--ready-timeout <seconds>', `give up if not ready in time (default ${DEFAULTS.readyTimeoutMs / 1000})`)
    .option('--max-retries <n>', 'failed reconnects in a row before giving up (default: forever)')
    .option('--no-reconnect', 'exit when the connection drops instead of reconnecting')
    .option('--health-interval <seconds>', `probe every forward end to end this often; 0 = off (default ${DEFAULTS.healthIntervalMs / 1000})`)
    .option('-d, --detach', 'return once ready, leaving a background supervisor (see tunnel ls/status/logs/down)')
    .action(async (name: string | undefined, flags: UpFlags) => setExit(await runUp(name, flags)));
}

async function runUp(name: string | undefined, flags: UpFlags): Promise<number> {
  const options = resolveSavedOptions(name, tunnelOptionsFromFlags(flags));
  if (flags.dryRun) {
    const planned = plan(options, flags.strategy === 'relay' ? { strategy: 'relay' } : {});
    if (options.multiplex) {
      const mux = planMux(toSpec(options), join(stateHome(), 'cm'), join(stateHome(), 'cm', 'master.log'));
      process.stdout.write(flags.json ? `${JSON.stringify({ state: 'planned', commands: [mux.master, mux.forward] })}\n` : `# a shared master (authenticates once), then this tunnel's forwards added to it:\n${shJoin(mux.master)}\n${shJoin(mux.forward)}\n# to take this tunnel down: ${shJoin(mux.cancel)}\n`);
      return 0;
    }
    process.stdout.write(flags.json ? `${JSON.stringify({ state: 'planned', strategy: planned.strategy, forwards: planned.forwards.map(({ listen, target, forward }) => ({ direction: forward.direction, listen, target })), commands: [planned.tunnel.argv, ...planned.remoteCleanup.map((c) => c.argv)] })}\n` : `${dryRunLines(planned)}\n`);
    return 0;
  }
  const readyTimeoutMs = parseInteger(flags.readyTimeout, '--ready-timeout', DEFAULTS.readyTimeoutMs / 1000, 1, 3600) * 1000;
  const maxRetries = flags.maxRetries === undefined ? undefined : parseInteger(flags.maxRetries, '--max-retries', 0, 0, 1_000_000);
  const reconnect = flags.reconnect !== false;
  const healthIntervalMs = parseInteger(flags.healthInterval, '--health-interval', DEFAULTS.healthIntervalMs / 1000, 0, 86_400) * 1000;
  if (flags.detach) return runDetached(toSpec({ ...options, name: options.name ?? `t-${newRunId().slice(0, 6)}` }), flags, { readyTimeoutMs, maxRetries: maxRetries ?? null, reconnect, healthIntervalMs });
  // Signals are caught from the start: one arriving while ssh is still coming up must tear it down too.
  const starting = new AbortController();
  let caught: NodeJS.Signals | undefined;
  const onStartupSignal = (signal: NodeJS.Signals) => {
    caught = signal;
    starting.abort();
  };
  for (const signal of SIGNALS) process.on(signal, onStartupSignal);
  let tunnel: Tunnel;
  try {
    tunnel = await up(options, { readyTimeoutMs, maxRetries: maxRetries ?? Number.POSITIVE_INFINITY, reconnect, healthIntervalMs, signal: starting.signal });
  } catch (error) {
    if (caught !== undefined) return exitCodeForSignal(caught);
    throw error;
  } finally {
    for (const signal of SIGNALS) process.removeListener(signal, onStartupSignal);
  }
  process.stdout.write(flags.json ? `${JSON.stringify(tunnelJson(tunnel))}\n` : `${describeTunnel(tunnel.plan, tunnel.forwards())}\nPress Ctrl-C to stop.\n`);
  return stayUp(tunnel, flags.json === true);
}

async function runDetached(spec: ReturnType<typeof toSpec>, flags: UpFlags, run: { readyTimeoutMs: number; maxRetries: number | null; reconnect: boolean; healthIntervalMs: number }): Promise<number> {
  const name = spec.name!;
  const record = await startDetached(name, { spec, ...run });
  const { name: _, ...rest } = record;
  process.stdout.write(flags.json
    ? `${JSON.stringify({ name, state: record.state, strategy: record.strategy, route: record.route, forwards: record.forwards, commands: record.commands, pids: record.sshPids, supervisorPid: record.supervisorPid })}\n`
    : `${describeForwards(name, rest)}\n`);
  return 0;
}

function describeForwards(name: string, record: { route: string[]; strategy: string; forwards: Array<{ listen: string; target: string; direction: string }> }): string {
  const lines = [`${name}: up via ${record.route.join(' → ')} (${record.strategy}), in the background`];
  for (const f of record.forwards) lines.push(`  ${f.listen}  ${f.direction === 'L' ? '→' : '←'}  ${f.target}`);
  lines.push(`stop it with: tunnel down ${name}`);
  return lines.join('\n');
}

/** Holds the foreground until a signal or a permanent failure, then tears down. */
function stayUp(tunnel: Tunnel, json: boolean): Promise<number> {
  const style = styleFor(process.stderr);
  return new Promise((resolve) => {
    let finishing = false;
    // Our handlers stay installed until teardown is done: execa's signal-exit hook re-raises
    // a signal (killing us mid-teardown) as soon as it sees no other listener.
    const finish = (code: number) => {
      if (finishing) return;
      finishing = true;
      void tunnel.down().then(() => {
        for (const signal of SIGNALS) process.removeListener(signal, onSignal);
        resolve(code);
      });
    };
    const onSignal = (signal: NodeJS.Signals) => finish(exitCodeForSignal(signal));
    for (const signal of SIGNALS) process.on(signal, onSignal);
    tunnel.on('state', (state: string, error?: { message: string; code: Parameters<typeof exitCodeFor>[0] }) => {
      if (!json) process.stderr.write(`${style.dim(new Date().toISOString())} ${state}${error ? `: ${error.message}` : ''}\n`);
      if ((state === 'failed' || state === 'needs-auth') && error) {
        if (json) process.stderr.write(`tunnel: ${error.message}\n`);
        finish(exitCodeFor(error.code));
      }
    });
  });
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
