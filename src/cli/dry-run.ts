import { plan } from '../supervise/up.js';
import type { TunnelOptions } from '../model/types.js';
import { dryRunLines } from '../plan/shell-lines.js';

/** What --dry-run prints for a plain tunnel: copy-pasteable ssh lines, or the same as JSON. */
export function renderDryRun(options: TunnelOptions, json: boolean): string {
  const planned = plan(options, options.strategy === 'relay' ? { strategy: 'relay' } : {});
  if (planned.mux !== undefined && json) return `${JSON.stringify({ state: 'planned', commands: planned.commands })}\n`;
  if (!json) return `${dryRunLines(planned)}\n`;
  const forwards = planned.forwards.map(({ listen, target, forward }) => ({ direction: forward.direction, listen, target }));
  return `${JSON.stringify({ state: 'planned', strategy: planned.strategy, forwards, commands: [...planned.commands, ...planned.remoteCleanup.map((c) => c.argv)] })}\n`;
}
