import { hostname } from 'node:os';
import { shJoin, shQuote } from '../../plan/quote.js';
import { formatHop } from '../../model/hop.js';
import { parseName } from '../../model/name.js';
import { parseInteger } from '../../model/tunnel.js';
import type { TunnelOptions } from '../../model/types.js';
import { badOption, tunnelPart, type PresetInput } from '../options.js';
import { fillPlaceholders } from '../placeholders.js';
import { remoteTargetOf, type RemoteTarget } from '../remote.js';
import type { ReversePreset } from '../types.js';

/** A reverse preset, decided: which port goes where, and what to tell the user. Pure. */
export interface ReversePlan {
  preset: ReversePreset;
  target: RemoteTarget;
  options: TunnelOptions;
  port: number;
  /** As requested; 0 means the target's sshd picks (known once the tunnel is up). */
  remotePort: number;
  /** `direct`: the listener is on the only hop's loopback; `jump`: on the --to node's, reached with -J. */
  layout: 'direct' | 'jump';
  /** --launch, normalized to a command with {port} where the listener port goes. */
  launch: string | undefined;
  /** ssh_config Host alias (expose). */
  alias: string;
}

export function planReverse(preset: ReversePreset, input: PresetInput): ReversePlan {
  const { reverse } = preset;
  const target = remoteTargetOf(input);
  const port = parseInteger(input.port, '--port', reverse.port, 1, 65535);
  const remotePort = parseInteger(input.remotePort, '--remote-port', reverse.remotePort, 0, 65535);
  return {
    preset,
    target,
    options: { ...tunnelPart(input), remote: [`${remotePort}:localhost:${port}`], probe: reverse.probe ?? true },
    port,
    remotePort,
    layout: target.via.length === 0 ? 'direct' : 'jump',
    launch: input.launch === undefined ? undefined : normalizeLaunch(preset, input.launch),
    alias: input.name ?? defaultAlias(),
  };
}

/**
 * `--launch 'mpiexec -n 4 pvserver'` gets the preset's arguments appended (the listener
 * port among them); a command that says {port} itself is taken as written.
 */
export function normalizeLaunch(preset: ReversePreset, launch: string): string {
  if (launch.trim() === '')
    throw badOption('--launch', "--launch: empty command (e.g. --launch pvserver or --launch 'mpiexec -n 4 pvserver')");
  if (/[\n!]/.test(launch))
    throw badOption('--launch', "--launch may not contain '!' or a newline (they do not survive every login shell)");
  if (launch.includes('{port}')) return launch;
  const args = (preset.reverse.remoteCommand ?? []).slice(1);
  return [
    launch,
    ...args.map((word) =>
      word
        .split('{remotePort}')
        .map((part) => (part === '' ? '' : shQuote(part)))
        .join('{port}'),
    ),
  ].join(' ');
}

/** The remote command with the listener port filled in, as one shell line. */
export function remoteCommandLine(plan: ReversePlan, port: number | string): string | undefined {
  const { remoteCommand } = plan.preset.reverse;
  if (plan.launch !== undefined) return plan.launch.replace(/\{port\}/g, String(port));
  return remoteCommand === undefined
    ? undefined
    : shJoin(remoteCommand.map((word) => fillPlaceholders(word, { remotePort: port })));
}

/** Says where the listener is and who can reach it. */
export function describeLayout(plan: ReversePlan, port: number): string {
  const to = formatHop(plan.target.to);
  if (plan.layout === 'jump') {
    const via = plan.target.via.map(formatHop).join(',');
    return `layout: jump (ssh -J ${via} -R ${port}:localhost:${plan.port} ${to}): the listener is on ${to}'s own loopback, so no GatewayPorts is needed; programs on ${to} connect to localhost:${port}`;
  }
  const hint =
    plan.preset.reverse.remoteCommand === undefined
      ? ''
      : `; a compute node cannot reach it unless ${to}'s sshd has GatewayPorts, so to run on a node pass --via ${to} --to NODE`;
  return `layout: direct (ssh -R ${port}:localhost:${plan.port} ${to}): the listener is on ${to}'s loopback; programs on ${to} connect to localhost:${port}${hint}`;
}

/** ProxyJump value that reaches the target: every hop, then the target itself. */
export function proxyJumpOf(plan: ReversePlan): string[] {
  return [...plan.target.via, plan.target.to].map(formatHop);
}

function defaultAlias(): string {
  const short = hostname().split('.')[0] ?? '';
  try {
    return parseName(short);
  } catch {
    return 'exposed';
  }
}
