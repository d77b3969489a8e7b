import type { Command } from 'commander';
import { DEFAULTS, parseRunText, type RunText } from '../api/up.js';

/** How `up` runs a tunnel (as opposed to what the tunnel is). */
export function addRunFlags(command: Command): Command {
  return command
    .option('--dry-run', 'print the ssh command line(s) and run nothing')
    .option('--json', 'print one JSON object once every forward is ready')
    .option('--ready-timeout <seconds>', `give up if not ready in time (default ${DEFAULTS.readyTimeoutMs / 1000})`)
    .option('--max-retries <n>', 'failed reconnects in a row before giving up (default: forever)')
    .option('--no-reconnect', 'exit when the connection drops instead of reconnecting')
    .option(
      '--health-interval <seconds>',
      `probe every forward end to end this often; 0 = off (default ${DEFAULTS.healthIntervalMs / 1000})`,
    )
    .option('-d, --detach', 'return once ready, leaving a background supervisor (see tunnel ls/status/logs/down)');
}

export interface RunFlags extends RunText {
  dryRun?: boolean;
  json?: boolean;
  detach?: boolean;
}

/** The flags as run options: only what was given (the library applies every default in one place). */
export const runOptionsFromFlags = (flags: RunFlags) => parseRunText(flags);
