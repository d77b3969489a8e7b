import { TunnelError } from '../../errors.js';
import { shJoin } from '../../plan/quote.js';
import { formatHop } from '../../model/hop.js';
import { probeHttp } from './http-probe.js';
import { fillPlaceholders } from '../placeholders.js';
import type { RunSsh, SshResult } from '../../ssh/run.js';
import { sshRunner } from '../../ssh/runner.js';
import { describeTarget } from '../remote.js';
import { findServer, parseLaunched, redactSecrets, type ServerInfo, type ServerMatch } from './server-info.js';
import { planPortWait, tunnelOptionsFor, type ServerPlan } from './server.js';
import type { PresetContext, PresetReport, PresetSession } from '../session.js';

/** Launches (or finds) the server, learns its token, and returns the session that tunnels to it. */
export async function startServerSession(plan: ServerPlan, context: PresetContext): Promise<PresetSession> {
  const { run } = sshRunner(context.ssh);
  const say = context.onLine ?? (() => undefined);
  const where = describeTarget(plan.target);
  let launched: { pid: number; port: number | undefined } | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped || plan.stop === undefined || launched === undefined) return;
    stopped = true;
    const result = await run(plan.stop, { timeoutMs: deadline(plan, 20) });
    if (result.exitCode !== 0)
      say(
        `could not stop ${plan.preset.server.label} on ${where}: ${lastLine(result)}; stop it with: ${shJoin(plan.stop)}`,
      );
  };
  try {
    if (plan.launch !== undefined) {
      say(`starting ${plan.preset.server.label} on ${where}`);
      launched = await launch(plan, run);
    }
    checkAborted(context.signal);
    const match: ServerMatch = plan.match ?? { port: launched?.port ?? 0 };
    say(`waiting for ${plan.preset.server.label} to answer (up to ${plan.startTimeoutSeconds} s)`);
    const info = await waitForServer(plan, run, match, launched !== undefined);
    return {
      options: tunnelOptionsFor(plan, match),
      state: {
        preset: plan.preset.name,
        via: plan.target.via.map(formatHop),
        to: formatHop(plan.target.to),
        sshConfig: plan.target.sshConfig,
        dir: plan.dir,
        pid: launched?.pid,
        keep: plan.keep,
      },
      describe: () => report(plan, info, match, launched?.pid, context.signal),
      cleanup: () => (plan.keep ? Promise.resolve() : stop()),
    };
  } catch (error) {
    // A server that never answered is useless even with --keep: stop it and remove its directory.
    await stop().catch(() => undefined);
    throw error;
  }
}

async function launch(plan: ServerPlan, run: RunSsh): Promise<{ pid: number; port: number | undefined }> {
  const result = await run(plan.launch!, { timeoutMs: deadline(plan, 15) });
  const launched = result.exitCode === 0 ? parseLaunched(result.stdout) : undefined;
  if (launched !== undefined && (plan.mode === 'socket' || launched.port !== undefined)) return launched;
  const why = result.exitCode === 97 ? `its private directory ${plan.dir} already exists` : lastLine(result);
  throw new TunnelError(
    'APP_FAILED',
    `could not start ${plan.preset.server.label} on ${describeTarget(plan.target)}: ${why}`,
    {
      argv: plan.launch,
      exitCode: result.exitCode,
    },
  );
}

async function waitForServer(
  plan: ServerPlan,
  run: RunSsh,
  match: ServerMatch,
  launched: boolean,
): Promise<ServerInfo> {
  const argv = plan.wait ?? planPortWait(plan, 'port' in match ? match.port : 0);
  const result = await run(argv, { timeoutMs: deadline(plan, plan.startTimeoutSeconds) });
  const label = plan.preset.server.label;
  const where = describeTarget(plan.target);
  // stdout holds tokens: only the redacted log tail may reach a message.
  const logTail = () =>
    redactSecrets(
      result.stdout
        .split('\n')
        .filter((l) => !l.startsWith('tunnel-server-'))
        .join('\n')
        .trim(),
    );
  if (result.exitCode === 0) {
    const info = findServer(result.stdout, match);
    if (info !== undefined) return info;
    throw new TunnelError(
      'APP_FAILED',
      `${label} on ${where} is not in its server list (${shJoin(plan.preset.server.list)}); is it a ${label}?`,
    );
  }
  if (result.exitCode === 3) {
    throw new TunnelError('APP_FAILED', `${label} exited on ${where} before it answered; its log ends:\n${logTail()}`, {
      exitCode: 3,
    });
  }
  if (result.exitCode === 4 || result.timedOut) {
    const what = launched
      ? `; its log ends:\n${logTail()}`
      : ` at ${'socket' in match ? match.socket : `port ${match.port}`}`;
    throw new TunnelError(
      'READY_TIMEOUT',
      `${label} did not answer on ${where} within ${plan.startTimeoutSeconds} s (raise --start-timeout)${what}`,
    );
  }
  throw new TunnelError('SSH_EXITED', `ssh to ${where} failed while waiting for ${label}: ${lastLine(result)}`, {
    argv,
    exitCode: result.exitCode,
  });
}

async function report(
  plan: ServerPlan,
  info: ServerInfo,
  match: ServerMatch,
  pid: number | undefined,
  signal: AbortSignal | undefined,
): Promise<PresetReport> {
  const { server } = plan.preset;
  const base = `http://127.0.0.1:${plan.localPort}${info.baseUrl}`;
  await probeHttp(`${base}${server.healthPath}`, { token: info.token, timeoutMs: 15_000, label: server.label, signal });
  const url = fillPlaceholders(server.url, {
    localPort: plan.localPort,
    baseUrl: info.baseUrl,
    token: encodeURIComponent(info.token),
  });
  const where = 'socket' in match ? match.socket : `port ${match.port}`;
  const lines = [
    `${server.label} on ${describeTarget(plan.target)} at ${where}${pid === undefined ? ' (attached)' : ` (pid ${pid})`}`,
    `open ${url}`,
  ];
  if (pid !== undefined && plan.keep && plan.stop !== undefined)
    lines.push(`--keep: it keeps running after the tunnel; stop it with: ${shJoin(plan.stop)}`);
  return {
    lines,
    json: {
      preset: plan.preset.name,
      url,
      app: {
        label: server.label,
        target: formatHop(plan.target.to),
        socket: 'socket' in match ? match.socket : null,
        port: 'port' in match ? match.port : null,
        pid: pid ?? null,
        launched: pid !== undefined,
        keep: plan.keep,
      },
    },
  };
}

/** Budget for one remote step: the step itself plus a connect timeout per hop. */
function deadline(plan: ServerPlan, stepSeconds: number): number {
  return (stepSeconds + plan.target.connectTimeout * (plan.target.via.length + 1) + 10) * 1000;
}

function lastLine(result: SshResult): string {
  const lines = redactSecrets(result.stderr)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('debug'));
  return lines[lines.length - 1] ?? (result.timedOut ? 'timed out' : `exit ${result.exitCode ?? 'by signal'}`);
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TunnelError('ABORTED', 'cancelled while starting the app');
}
