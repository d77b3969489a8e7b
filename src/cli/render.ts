import type { StartedTunnel } from '../api/start.js';
import type { ForwardStatus, Plan, Tunnel } from '../api/present.js';
import { styleFor } from './style.js';

/** The --json contract of `up`: name, state, forwards, commands (fields may be added, never removed). */
export function tunnelJson(tunnel: Tunnel): Record<string, unknown> {
  return {
    name: tunnel.spec.name ?? null,
    state: tunnel.state,
    strategy: tunnel.plan.strategy,
    route: tunnel.plan.route,
    forwards: tunnel.forwards(),
    commands: tunnel.plan.commands,
    pids: tunnel.pids(),
  };
}

/** Human lines for a ready tunnel: what listens where, what it reaches, through which hops. */
export function describeTunnel(plan: Plan, forwards: ForwardStatus[]): string {
  const style = styleFor();
  const lines = [`${style.green('up')} via ${plan.route.join(' → ')} (${plan.strategy})`];
  for (const forward of forwards) {
    const arrow = forward.direction === 'L' ? '→' : '←';
    lines.push(`  ${style.bold(forward.listen)}  ${arrow}  ${forward.target}`);
  }
  return lines.join('\n');
}

/** Human lines for a tunnel started in the background: route, forwards, `extra` (a preset's, a job's), how to stop it. */
export function backgroundLines({ name, tunnel }: StartedTunnel, extra: readonly string[] = []): string {
  const lines = [`${name}: up via ${tunnel.route.join(' → ')} (${tunnel.strategy}), in the background`];
  for (const f of tunnel.forwards) lines.push(`  ${f.listen}  ${f.direction === 'L' ? '→' : '←'}  ${f.target}`);
  lines.push(...extra, `stop it with: tunnel down ${name}`);
  return `${lines.join('\n')}\n`;
}

/** Said on stderr when a background tunnel came up degraded. */
export function degradedLine(tunnel: Pick<StartedTunnel['tunnel'], 'state' | 'lastError'>): string {
  return tunnel.state === 'degraded' ? `degraded: ${tunnel.lastError?.message ?? 'a forward does not answer'}\n` : '';
}
