import { up } from '../supervise/up.js';
import { TunnelError } from '../errors.js';
import { shJoin } from '../plan/quote.js';
import { startSandbox, LOGIN_ALIAS, NODE_HOST, type Sandbox } from '../sandbox/index.js';
import type { Tunnel } from '../supervise/tunnel.js';
import { findSshVersion } from './preflight.js';
import { findLeftovers, isClean, type Leftovers } from './leftovers.js';
import { findFreePort, getLocal, type HttpAnswer } from './net.js';
import { bounded, nextRestart } from './wait.js';

// Every wait is bounded: the demo must end in seconds, whatever happens.
const LIMITS = {
  sandboxMs: 10_000,
  readyMs: 10_000,
  requestMs: 5000,
  reconnectMs: 15_000,
  teardownMs: 10_000,
} as const;

export type DemoStep = 'sandbox' | 'tunnel' | 'request' | 'reconnect' | 'keep' | 'teardown';

export type DemoEvent =
  | { step: 'sandbox'; sshVersion: string; loginPort: number; appSocketPath: string; sshConfigPath: string; ms: number }
  | {
      step: 'tunnel';
      localPort: number;
      target: string;
      route: string[];
      strategy: string;
      pids: number[];
      command: string;
      ms: number;
    }
  | { step: 'request'; port: number; answer: HttpAnswer; command: string }
  | { step: 'reconnect'; restarts: number; pids: number[]; ms: number; answer: HttpAnswer }
  | { step: 'keep'; localPort: number }
  | { step: 'teardown'; leftovers: Leftovers; ms: number };

/** Hears about each step as it starts and as it ends (the CLI draws them). */
export interface DemoReporter {
  begin(step: DemoStep): void;
  done(event: DemoEvent): void;
}

export interface DemoOptions {
  reporter?: DemoReporter;
  /** Aborting (Ctrl-C) stops at the next step; cleanup still runs. */
  signal?: AbortSignal;
  /** When given, the tunnel stays up after the demo until this resolves (--keep). */
  hold?: () => Promise<void>;
}

/** The --json contract of `tunnel demo` (fields may be added, never removed). */
export interface DemoSummary {
  ok: true;
  sshVersion: string;
  localPort: number;
  url: string;
  answer: { status: number; body: string };
  strategy: string;
  route: string[];
  command: string;
  argv: string[];
  reconnect: { restarts: number; recoveredMs: number; answer: { status: number; body: string } };
  cleanup: { alivePids: number[]; processesUsingConfig: number[]; sandboxDirRemoved: boolean };
  sandbox: { dir: string; sshConfigPath: string; appSocketPath: string; loginPort: number };
  timingsMs: Record<'sandbox' | 'tunnel' | 'firstRequest' | 'reconnect' | 'teardown' | 'total', number>;
}

const NO_REPORTER: DemoReporter = { begin: () => undefined, done: () => undefined };

/**
 * The whole demo against the embedded sandbox: build the real tunnel with the real ssh, use it,
 * break it, watch it heal, tear it down and prove nothing is left. Cleanup runs whatever happens.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const started = performance.now();
  const report = options.reporter ?? NO_REPORTER;
  const { signal } = options;
  const seenPids = new Set<number>();
  let sandbox: Sandbox | undefined;
  let tunnel: Tunnel | undefined;
  // A step that gives up (time limit, Ctrl-C) still disposes of what its work produces late.
  const step = async <T>(
    name: DemoStep,
    ms: number,
    what: string,
    work: () => Promise<T>,
    dispose?: (late: T) => Promise<void>,
  ): Promise<T> => {
    signal?.throwIfAborted();
    report.begin(name);
    const working = work();
    return bounded(working, ms, what, signal).catch((error: unknown) => {
      if (dispose !== undefined) void working.then(dispose, () => undefined).catch(() => undefined);
      throw error;
    });
  };
  try {
    let t = performance.now();
    const sshVersion = await findSshVersion();
    const sb = await step(
      'sandbox',
      LIMITS.sandboxMs,
      'starting the sandbox',
      () => startSandbox(),
      (late) => late.close(),
    );
    sandbox = sb;
    const sandboxMs = performance.now() - t;
    report.done({
      step: 'sandbox',
      sshVersion,
      loginPort: sb.loginPort,
      appSocketPath: sb.appSocketPath,
      sshConfigPath: sb.sshConfigPath,
      ms: sandboxMs,
    });

    t = performance.now();
    const localPort = await findFreePort();
    // Exactly `tunnel up -F <sandbox config> --via login --to isolated-node -L PORT:<app socket>`.
    const built = await step(
      'tunnel',
      LIMITS.readyMs + 1000,
      'waiting for the tunnel',
      () =>
        up(
          {
            sshConfig: sb.sshConfigPath,
            via: [LOGIN_ALIAS],
            to: NODE_HOST,
            local: [`${localPort}:${sb.appSocketPath}`],
          },
          {
            readyTimeoutMs: LIMITS.readyMs,
            backoff: { initialMs: 100, maxMs: 1000 },
            maxRetries: 5,
            healthIntervalMs: 0,
            signal,
          },
        ),
      (late) => late.down(),
    );
    tunnel = built;
    built.on('state', (state: string) => state === 'up' && built.pids().forEach((pid) => seenPids.add(pid)));
    built.pids().forEach((pid) => seenPids.add(pid));
    const tunnelMs = performance.now() - t;
    const command = shJoin(built.plan.tunnel.argv);
    const target = built.forwards()[0]?.target ?? sb.appSocketPath;
    report.done({
      step: 'tunnel',
      localPort,
      target,
      route: built.plan.route,
      strategy: built.plan.strategy,
      pids: built.pids(),
      command,
      ms: tunnelMs,
    });

    const answer = await step('request', LIMITS.requestMs, 'waiting for an answer through the tunnel', () =>
      requestThrough(localPort, sb.appBody),
    );
    report.done({ step: 'request', port: localPort, answer, command });

    t = performance.now();
    const restartsBefore = built.restarts;
    const healed = await step('reconnect', LIMITS.reconnectMs, 'waiting for the tunnel to reconnect', async () => {
      const restarted = nextRestart(built, restartsBefore);
      sb.dropConnections();
      await restarted;
      return requestThrough(localPort, sb.appBody);
    });
    const reconnectMs = performance.now() - t;
    report.done({ step: 'reconnect', restarts: built.restarts, pids: built.pids(), ms: reconnectMs, answer: healed });

    if (options.hold !== undefined) {
      report.begin('keep');
      report.done({ step: 'keep', localPort });
      await options.hold();
    }

    report.begin('teardown');
    t = performance.now();
    const leftovers = await tearDown(built, sb, seenPids);
    tunnel = undefined;
    sandbox = undefined;
    const teardownMs = performance.now() - t;
    report.done({ step: 'teardown', leftovers, ms: teardownMs });
    if (!isClean(leftovers)) throw leftoverError(leftovers, sb.dir);

    return {
      ok: true,
      sshVersion,
      localPort,
      url: `http://127.0.0.1:${localPort}/`,
      answer: { status: answer.status, body: answer.body },
      strategy: built.plan.strategy,
      route: built.plan.route,
      command,
      argv: [...built.plan.tunnel.argv],
      reconnect: {
        restarts: built.restarts,
        recoveredMs: Math.round(reconnectMs),
        answer: { status: healed.status, body: healed.body },
      },
      cleanup: {
        alivePids: leftovers.alivePids,
        processesUsingConfig: leftovers.processesUsingConfig,
        sandboxDirRemoved: !leftovers.dirExists,
      },
      sandbox: {
        dir: sb.dir,
        sshConfigPath: sb.sshConfigPath,
        appSocketPath: sb.appSocketPath,
        loginPort: sb.loginPort,
      },
      timingsMs: roundAll({
        sandbox: sandboxMs,
        tunnel: tunnelMs,
        firstRequest: answer.ms,
        reconnect: reconnectMs,
        teardown: teardownMs,
        total: performance.now() - started,
      }),
    };
  } finally {
    // Only reached with something still set when a step failed or was cancelled.
    if (sandbox !== undefined) await tearDown(tunnel, sandbox, seenPids).catch(() => undefined);
  }
}

/** One request through the tunnel; anything but the app's own 200 answer is a failure worth naming. */
async function requestThrough(port: number, expectedBody: string): Promise<HttpAnswer> {
  const answer = await getLocal(port, LIMITS.requestMs).catch((error: unknown) => {
    throw new TunnelError(
      'FORWARD_REFUSED',
      `the request through 127.0.0.1:${port} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
  if (answer.status !== 200 || answer.body !== expectedBody) {
    throw new TunnelError(
      'APP_FAILED',
      `the app answered HTTP ${answer.status} ${JSON.stringify(answer.body.slice(0, 60))}, expected 200 ${JSON.stringify(expectedBody)}`,
    );
  }
  return answer;
}

/** Tunnel first (its ssh processes), then the servers it talked to; then look for anything left. */
async function tearDown(tunnel: Tunnel | undefined, sandbox: Sandbox, seenPids: Set<number>): Promise<Leftovers> {
  if (tunnel !== undefined) await bounded(tunnel.down(), LIMITS.teardownMs, 'stopping ssh').catch(() => undefined);
  await bounded(sandbox.close(), LIMITS.teardownMs, 'stopping the sandbox').catch(() => undefined);
  return findLeftovers(seenPids, sandbox.sshConfigPath, sandbox.dir);
}

function leftoverError(leftovers: Leftovers, dir: string): TunnelError {
  const pids = [...new Set([...leftovers.alivePids, ...leftovers.processesUsingConfig])];
  const parts = [
    pids.length > 0 ? `ssh still running (pid ${pids.join(', ')})` : '',
    leftovers.dirExists ? `${dir} still exists` : '',
  ];
  return new TunnelError('SSH_EXITED', `cleanup incomplete: ${parts.filter(Boolean).join('; ')}`);
}

function roundAll<K extends string>(timings: Record<K, number>): Record<K, number> {
  return Object.fromEntries(Object.entries<number>(timings).map(([k, v]) => [k, Math.round(v)])) as Record<K, number>;
}
