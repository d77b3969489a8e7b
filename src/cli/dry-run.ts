import { join } from 'node:path';
import { plan, toSpec } from '../api.js';
import { planMux } from '../plan/mux.js';
import { shJoin } from '../plan/quote.js';
import type { TunnelOptions } from '../spec/types.js';
import { stateHome } from '../state/paths.js';
import { dryRunLines } from './render.js';

/** What --dry-run prints for a plain tunnel: copy-pasteable ssh lines, or the same as JSON. */
export function renderDryRun(options: TunnelOptions, json: boolean): string {
  if (options.multiplex) {
    const mux = planMux(toSpec(options), join(stateHome(), 'cm'));
    return json
      ? `${JSON.stringify({ state: 'planned', commands: [mux.master, mux.forward] })}\n`
      : `# a shared master (authenticates once), then this tunnel's forwards added to it:\n${shJoin(mux.master)}\n${shJoin(mux.forward)}\n# to take this tunnel down: ${shJoin(mux.cancel)}\n`;
  }
  const planned = plan(options, options.strategy === 'relay' ? { strategy: 'relay' } : {});
  if (!json) return `${dryRunLines(planned)}\n`;
  const forwards = planned.forwards.map(({ listen, target, forward }) => ({ direction: forward.direction, listen, target }));
  return `${JSON.stringify({ state: 'planned', strategy: planned.strategy, forwards, commands: [planned.tunnel.argv, ...planned.remoteCleanup.map((c) => c.argv)] })}\n`;
}
