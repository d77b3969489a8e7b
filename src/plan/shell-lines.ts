import { shJoin } from './quote.js';
import type { Plan } from './types.js';

/** Copy-pasteable shell lines for --dry-run: what the plan runs, as a person would type it. Pure. */
export function dryRunLines(plan: Plan): string {
  if (plan.mux !== undefined) {
    const { mux } = plan;
    return `# a shared master (authenticates once), then this tunnel's forwards added to it:\n${shJoin(mux.master)}\n${shJoin(mux.forward)}\n# to take this tunnel down: ${shJoin(mux.cancel)}`;
  }
  const lines = [`# strategy: ${plan.strategy}; route: ${plan.route.join(' -> ')}`, shJoin(plan.tunnel.argv)];
  for (const cleanup of plan.remoteCleanup)
    lines.push(`# after stopping it, remove the remote sockets:`, shJoin(cleanup.argv));
  return lines.join('\n');
}
