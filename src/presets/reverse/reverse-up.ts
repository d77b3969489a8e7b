import { plan as planTunnel } from '../../supervise/up.js';
import { TunnelError } from '../../errors.js';
import { shJoin } from '../../plan/quote.js';
import { formatHop } from '../../model/hop.js';
import type { SshProcess } from '../../ssh/process.js';
import { sshRunner } from '../../ssh/runner.js';
import type { Tunnel } from '../../supervise/tunnel.js';
import type { PresetInput } from '../options.js';
import { planRemoteCommand } from '../remote.js';
import { describeLayout, planReverse, proxyJumpOf, remoteCommandLine, type ReversePlan } from './reverse.js';
import type { PresetContext, PresetReport, PresetSession, PresetUp } from '../session.js';
import { renderSshConfigEntry } from './ssh-config-entry.js';
import type { ReversePreset } from '../types.js';

/** `tunnel up <reverse preset>`: one supervised -R; the extras are printed (or launched) once it is up. */
export function resolveReverseUp(preset: ReversePreset, input: PresetInput): PresetUp {
  const plan = planReverse(preset, input);
  return {
    preset,
    options: plan.options,
    dryRun: () => reverseDryRun(plan),
    prepare: async (context = {}) => reverseSession(plan, context),
  };
}

function reverseSession(plan: ReversePlan, context: PresetContext): PresetSession {
  let launched: SshProcess | undefined;
  return {
    options: plan.options,
    state: {
      preset: plan.preset.name,
      via: plan.target.via.map(formatHop),
      to: formatHop(plan.target.to),
      sshConfig: plan.target.sshConfig,
      dir: undefined,
      pid: undefined,
      keep: false,
    },
    // Callable again after a reconnect (-R 0 may get a new port); the launch happens once.
    describe: async (tunnel) => {
      const port = listenerPort(plan, tunnel);
      const report = reverseReport(plan, port);
      if (plan.launch !== undefined && launched === undefined) {
        const argv = planRemoteCommand(plan.target, remoteCommandLine(plan, port)!, { tty: true });
        launched = startLaunch(argv, context);
        report.lines.push(`launched on ${formatHop(plan.target.to)}: ${remoteCommandLine(plan, port)!}`);
        report.json.launch = { argv, pid: launched.pid ?? null };
      }
      return report;
    },
    cleanup: async () => {
      await launched?.stop();
    },
  };
}

/** The port the target's sshd listens on: the requested one, or what it allocated for -R 0. */
export function listenerPort(plan: ReversePlan, tunnel: Pick<Tunnel, 'forwards'>): number {
  const allocated = tunnel.forwards().find((f) => f.direction === 'R')?.allocatedPort;
  const port = plan.remotePort === 0 ? allocated : plan.remotePort;
  if (port === undefined)
    throw new TunnelError(
      'FORWARD_REFUSED',
      `${formatHop(plan.target.to)} did not say which port it allocated for -R 0; pass --remote-port`,
    );
  return port;
}

/** Lines and --json fields for a ready reverse tunnel. Pure. */
export function reverseReport(plan: ReversePlan, port: number): PresetReport {
  const { reverse, name } = plan.preset;
  const to = formatHop(plan.target.to);
  const lines = [
    `${reverse.label} at localhost:${plan.port} here is reachable on ${to} at localhost:${port}`,
    describeLayout(plan, port),
  ];
  const json: Record<string, unknown> = {
    preset: name,
    localPort: plan.port,
    remotePort: port,
    layout: plan.layout,
    listenerOn: to,
  };
  if (reverse.sshConfigEntry === true) {
    const entry = renderSshConfigEntry({ alias: plan.alias, port, proxyJump: proxyJumpOf(plan) });
    lines.push(
      `add this to ~/.ssh/config (the host key is checked under the name ${plan.alias}):`,
      ...entry.trimEnd().split('\n'),
    );
    json.sshConfigEntry = entry;
    json.host = plan.alias;
  }
  const command = remoteCommandLine(plan, port);
  if (command !== undefined && plan.launch === undefined) {
    lines.push(`on ${to} run: ${command}`);
    json.remoteCommand = command;
  }
  if (reverse.worker !== undefined) {
    const worker = ['tunnel', 'worker', name, 'JOBNAME', '--head', to, '--head-port', String(port)];
    lines.push(`submit workers with: ${shJoin(worker)}`);
    json.workerCommand = worker;
  }
  return { lines, json };
}

/** Runs the launch command with a pty, so the remote process is hung up when we stop it. */
function startLaunch(argv: string[], context: PresetContext): SshProcess {
  const { spawn } = sshRunner(context.ssh);
  const process = spawn(argv, { keepStdinOpen: true });
  process.onLine((line) => context.onLine?.(`[launch] ${line.replace(/\r$/, '')}`));
  void process.exited.then(({ exitCode, signal }) =>
    context.onLine?.(`[launch] exited (${exitCode ?? signal ?? 'unknown'}); judge it by its output above`),
  );
  return process;
}

function reverseDryRun(plan: ReversePlan): string[] {
  const lines = [
    `# ${plan.preset.reverse.label} at localhost:${plan.port} -> ${formatHop(plan.target.to)}:`,
    shJoin(planTunnel(plan.options).tunnel.argv),
  ];
  const command = remoteCommandLine(plan, plan.remotePort === 0 ? 'PORT' : plan.remotePort);
  if (plan.launch !== undefined && command !== undefined) {
    lines.push(
      '# then, with the port the target allocated as PORT:',
      shJoin(planRemoteCommand(plan.target, command, { tty: true })),
    );
  }
  return lines;
}
