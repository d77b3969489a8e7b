import type { Command } from 'commander';
import { DEFAULTS } from '../model/defaults.js';
import { parseInteger } from '../model/tunnel.js';

/** How `up` runs a tunnel (as opposed to what the tunnel is). */
export function addRunFlags(command: Command): Command {
  return command
    .option('--dry-run', 'print the ssh command line(s) and run nothing')
    .option('--json', 'print one JSON object once every forward is ready')
    .option('--ready-timeout <seconds>', `give up if not ready in time (default ${DEFAULTS.readyTimeoutMs / 1000})`)
    .option('--max-retries <n>', 'failed reconnects in a row before giving up (default: forever)')
    .option('--no-reconnect', 'exit when the connection drops instead of reconnecting')
    .option('--health-interval <seconds>', `probe every forward end to end this often; 0 = off (default ${DEFAULTS.healthIntervalMs / 1000})`)
    .option('-d, --detach', 'return once ready, leaving a background supervisor (see tunnel ls/status/logs/down)');
}

export interface RunFlags {
  dryRun?: boolean;
  json?: boolean;
  readyTimeout?: string;
  maxRetries?: string;
  reconnect?: boolean;
  detach?: boolean;
  healthInterval?: string;
}

export interface RunOptions {
  readyTimeoutMs: number;
  maxRetries: number | null;
  reconnect: boolean;
  healthIntervalMs: number;
}

export function runOptionsFromFlags(flags: RunFlags): RunOptions {
  return {
    readyTimeoutMs: parseInteger(flags.readyTimeout, '--ready-timeout', DEFAULTS.readyTimeoutMs / 1000, 1, 3600) * 1000,
    maxRetries: flags.maxRetries === undefined ? null : parseInteger(flags.maxRetries, '--max-retries', 0, 0, 1_000_000),
    reconnect: flags.reconnect !== false,
    healthIntervalMs: parseInteger(flags.healthInterval, '--health-interval', DEFAULTS.healthIntervalMs / 1000, 0, 86_400) * 1000,
  };
}

/** The library's UpOptions for these run options. */
export function upOptionsOf(run: RunOptions, signal?: AbortSignal) {
  return {
    readyTimeoutMs: run.readyTimeoutMs,
    maxRetries: run.maxRetries ?? Number.POSITIVE_INFINITY,
    reconnect: run.reconnect,
    healthIntervalMs: run.healthIntervalMs,
    ...(signal === undefined ? {} : { signal }),
  };
}
