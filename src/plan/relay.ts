import { remoteShell } from './remote-shell.js';
import { badSpec } from '../errors.js';
import { formatListenArg, formatTargetArg } from '../model/forward.js';
import { formatHop } from '../model/hop.js';
import type { TunnelSpec } from '../model/types.js';
import { destinationArgs, jumpArgs } from './destination.js';
import { baseSshOptions, configArgs } from './options.js';
import { shJoin, shQuote } from './quote.js';
import type { SshCommand } from './types.js';

/** The private directory on the relay hop holding this run's intermediate sockets. */
export function relayDir(runId: string): string {
  if (!/^[a-z0-9]{6,32}$/.test(runId)) throw new Error(`runId must be lowercase alphanumeric, got ${runId}`);
  return `/tmp/tnl-${runId}`;
}

/**
 * The relay chain: the outer ssh reaches the relay hop (the last --via) and forwards each
 * local listener to an intermediate socket there; the relay hop runs the inner ssh itself,
 * binding that socket and forwarding it to the target. The outer gets -tt instead of -N -T:
 * with -N the inner command never runs, and without a pty the inner ssh outlives the outer.
 */
export function planRelayCommand(spec: TunnelSpec, runId: string): SshCommand {
  const relay = spec.via[spec.via.length - 1];
  if (relay === undefined)
    throw badSpec('--strategy', '--strategy relay needs a relay hop: pass --via LOGIN and --to NODE');
  const remoteForward = spec.forwards.find((f) => f.direction === 'R');
  if (remoteForward !== undefined) {
    throw badSpec('--strategy', '--strategy relay supports -L forwards only; use --strategy jump for -R');
  }
  const dir = relayDir(runId);
  const sockets = spec.forwards.map((_, i) => `${dir}/${i}.sock`);
  const outerForwards = spec.forwards.flatMap((f, i) => ['-L', `${formatListenArg(f.listen)}:${sockets[i]!}`]);
  const innerForwards = spec.forwards.flatMap((f, i) => ['-L', `${sockets[i]!}:${formatTargetArg(f.target)}`]);
  const inner = [
    'ssh',
    '-N',
    '-T',
    '-v',
    ...baseSshOptions({ ...spec, batchMode: true }),
    ...innerForwards,
    ...destinationArgs(spec.to),
  ];
  const argv = [
    'ssh',
    '-tt',
    '-e',
    'none',
    '-v',
    ...configArgs(spec),
    ...baseSshOptions(spec),
    ...jumpArgs(spec.via.slice(0, -1)),
    ...outerForwards,
    ...destinationArgs(relay),
    remoteShell(relayScript(dir, inner)),
  ];
  return {
    role: 'tunnel',
    hop: formatHop(relay),
    argv,
    ready: ['session', 'relay-inner'],
    listeners: spec.forwards.length,
  };
}

/**
 * Runs on the relay hop. `mkdir` (not -p) fails if the directory already exists, so a
 * directory planted by another user is refused, never used. The inner ssh runs as a
 * child so the hangup trap can kill it: a shell that traps SIGHUP would otherwise keep
 * the session alive and orphan it. One line: csh users' login shells parse it too.
 */
function relayScript(dir: string, inner: string[]): string {
  const qdir = shQuote(dir);
  return [
    'umask 077',
    `mkdir -m 700 ${qdir} || { echo tunnel-relay: cannot create private directory ${qdir} >&2; exit 97; }`,
    `${shJoin(inner)} & p=$!`,
    `trap "rm -rf ${qdir}" EXIT`,
    `trap "kill $p 2>/dev/null; exit 129" HUP INT TERM`,
    'wait $p',
  ].join('; ');
}
