import type { TunnelOptions } from '../model/types.js';
import { dryRunLines } from '../plan/shell-lines.js';
import { openSession } from '../session/open.js';
import { plan, toSpec } from '../supervise/up.js';
import { start } from './start.js';
import type { PreparedUp } from './up-types.js';

/** A plain tunnel: the flags (over a saved tunnel and the stored defaults) are the whole story. */
export function prepareTunnelUp(options: TunnelOptions): PreparedUp {
  const spec = toSpec(options); // a bad flag fails here, before anything runs
  return {
    kind: 'tunnel',
    presetName: undefined,
    dryRun: async (json) => renderDryRun(options, json),
    open: (openOptions) => openSession({ kind: 'tunnel', spec }, openOptions),
    start: (startOptions) => start({ ...startOptions, tunnel: options }),
  };
}

/** Copy-pasteable ssh lines, or the same as JSON. */
function renderDryRun(options: TunnelOptions, json: boolean): string {
  const planned = plan(options, options.strategy === 'relay' ? { strategy: 'relay' } : {});
  if (planned.mux !== undefined && json) return `${JSON.stringify({ state: 'planned', commands: planned.commands })}\n`;
  if (!json) return `${dryRunLines(planned)}\n`;
  const forwards = planned.forwards.map(({ listen, target, forward }) => ({
    direction: forward.direction,
    listen,
    target,
  }));
  return `${JSON.stringify({ state: 'planned', strategy: planned.strategy, forwards, commands: [...planned.commands, ...planned.remoteCleanup.map((c) => c.argv)] })}\n`;
}
