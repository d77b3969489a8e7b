import { EventEmitter } from 'node:events';
import { TunnelError, isPermanent } from '../errors.js';
import type { MuxLease, MuxPlan } from '../plan/mux.js';
import type { Plan } from '../plan/types.js';
import type { TunnelSpec } from '../model/types.js';
import type { SshRunner } from '../ssh/runner.js';
import { startAttempt, type ReadyAttempt } from './attempt.js';
import { leaseOf, startMuxAttempt } from './mux-attempt.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { prepareLocalSocket } from './local-sockets.js';
import { relayCanFix } from './relay-fallback.js';
import { ChannelVerdicts } from '../ssh/channel-verdicts.js';
import { healthProblem, probeAll, watchHealth } from './health.js';
import type { Health, ProbeOptions } from './probe.js';
import { forwardStatuses, type ForwardStatus, type TunnelState } from './status.js';
import { PortPins } from './pinned-ports.js';
import { removeStaleRemoteSockets, teardown } from './teardown.js';
import { watchWake } from './wake.js';

export interface SuperviseOptions {
  /** Plans a later attempt: a relay fallback, or a reconnect asking for its pinned -R ports. */
  replan: (spec: TunnelSpec, strategy: 'jump' | 'relay') => Plan;
  /** Every ssh this tunnel starts, long-lived (spawn) or one-shot (run). */
  ssh: SshRunner;
  readyTimeoutMs: number;
  /** Reconnect after a drop (default true). */
  reconnect: boolean;
  /** Consecutive failed reconnects before giving up (default: never). */
  maxRetries: number;
  backoff: BackoffPolicy;
  /** How often to probe each forward end to end; 0 turns probing off. */
  healthIntervalMs: number;
  signal?: AbortSignal | undefined;
  /** How long a reconnect asks for a -R 0 port it had before taking a new one (default PIN_WAIT_MS). */
  pinWaitMs?: number | undefined;
}

const FIRST_CONNECT_TRIES = 3;
/** How long a reconnect keeps asking for a -R port it had before taking whatever the server gives. */
export const PIN_WAIT_MS = 30_000;
const PIN_RETRY_MAX_MS = 3000;

/** A live tunnel: its state, its forwards, and down(). Events: 'state' (state, error?), 'line' (ssh output). */
export class Tunnel extends EventEmitter {
  state: TunnelState = 'starting';
  restarts = 0;
  lastError: TunnelError | undefined;
  readonly startedAt = new Date();
  upSince: Date | undefined;
  private current: ReadyAttempt | undefined;
  private currentPlan: Plan;
  private stopping = false;
  /** -R 0 ports as first allocated; reconnects ask for them again (see pinned-ports.ts). */
  private readonly pins: PortPins;
  private readonly verdicts = new ChannelVerdicts();
  private stopped: Promise<void> | undefined;
  /** Aborted by down(): cancels an attempt in flight (connecting, reconnecting) and its cleanup. */
  private readonly lifetime = new AbortController();
  private readonly signal: AbortSignal;
  private wakeUp: (() => void) | undefined;
  private stopWake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private health: Health[] | undefined;
  private stopHealth: (() => void) | undefined;

  /** This tunnel's entry among the master's users; constant across reconnects so it counts once. */
  private readonly muxUser = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

  /** The spec as the user gave it (the plan in force may ask for pinned -R ports instead of 0). */
  readonly spec: TunnelSpec;

  constructor(
    initial: Plan,
    private readonly options: SuperviseOptions,
  ) {
    super();
    this.spec = initial.spec;
    this.currentPlan = initial;
    this.on('line', (line: string) => this.verdicts.readLine(line));
    this.signal =
      options.signal === undefined ? this.lifetime.signal : AbortSignal.any([options.signal, this.lifetime.signal]);
    this.pins = new PortPins(this.spec, options.pinWaitMs ?? PIN_WAIT_MS);
  }

  /** Set when the tunnel shares a ControlMaster with others through the same hops. */
  get mux(): MuxPlan | undefined {
    return this.currentPlan.mux;
  }

  /** The plan in force (its strategy may have switched to relay under --strategy auto). */
  get plan(): Plan {
    return this.currentPlan;
  }

  forwards(): ForwardStatus[] {
    return forwardStatuses(this.currentPlan.forwards, this.current?.progress()).map((status, i) => {
      const pinned = this.pins.get(i);
      const withPort =
        pinned === undefined || status.allocatedPort !== undefined ? status : { ...status, allocatedPort: pinned };
      const health = this.health?.[i];
      return health === undefined ? withPort : { ...withPort, health };
    });
  }

  /** PIDs of the ssh processes this tunnel alone runs (a shared master is not ours to kill). */
  pids(): number[] {
    const pid = this.current?.process.pid;
    return pid === undefined || this.mux !== undefined ? [] : [pid];
  }

  /** What this tunnel holds in a shared master, so it can be given back after a crash. */
  muxLease(): MuxLease | undefined {
    return this.mux === undefined ? undefined : leaseOf(this.mux, this.muxUser);
  }

  /** Brings the tunnel up; resolves once every forward is ready. */
  async start(): Promise<this> {
    for (const path of this.currentPlan.localSockets) await prepareLocalSocket(path);
    const first = await this.connectWithRetries();
    if (this.stopping) {
      await first.process.stop();
      throw new TunnelError('ABORTED', 'stopped before the tunnel was ready');
    }
    this.current = first;
    this.pin(first);
    await this.announceUp();
    this.stopWake = watchWake(() => this.retryNow());
    this.loop = this.superviseLoop();
    return this;
  }

  /**
   * A busy sshd drops handshakes beyond MaxStartups ("kex_exchange_identification: Connection
   * reset"), so a transient failure gets two more tries; one retrying cannot fix fails at once.
   */
  private async connectWithRetries(): Promise<ReadyAttempt> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.connectFirst();
      } catch (error) {
        const transient =
          error instanceof TunnelError &&
          !isPermanent(error) &&
          error.code !== 'READY_TIMEOUT' &&
          error.code !== 'ABORTED';
        if (!transient || attempt >= FIRST_CONNECT_TRIES || this.signal.aborted) throw error;
        this.emit('line', `retrying after: ${error.message}`);
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  private async connectFirst(): Promise<ReadyAttempt> {
    try {
      return await this.attemptClearingStaleRemoteSockets(this.currentPlan);
    } catch (error) {
      const fallback =
        this.spec.strategy === 'auto' &&
        this.spec.via.length > 0 &&
        error instanceof TunnelError &&
        relayCanFix(error, this.spec.via.length);
      if (!fallback) throw error;
      this.emit('line', `jump failed (${error.message}); trying --strategy relay`);
      this.currentPlan = this.options.replan(this.spec, 'relay');
      return this.attempt(this.currentPlan);
    }
  }

  /**
   * A dead -R socket left on the server blocks the bind, and only the server's own
   * StreamLocalBindUnlink could help; so remove our own (owned) socket over ssh and retry once.
   * One that still accepts connections is not stale: it is someone's live listener.
   */
  private async attemptClearingStaleRemoteSockets(plan: Plan): Promise<ReadyAttempt> {
    try {
      return await this.attempt(plan);
    } catch (error) {
      const stale =
        error instanceof TunnelError && error.code === 'FORWARD_REFUSED' && /listen path/.test(error.sshMessage ?? '');
      if (!stale || plan.staleRemoteCleanup.length === 0) throw error;
      const live = await removeStaleRemoteSockets(plan, this.options.ssh.run, this.signal);
      if (live.length > 0) {
        throw new TunnelError(
          'SOCKET_IN_USE',
          `${live.join(', ')} on ${this.spec.to.host} is in use by a live listener (another tunnel or app); stop it or choose another path`,
          { hop: this.spec.to.host, sshMessage: error.sshMessage },
        );
      }
      this.emit('line', `removed a stale remote socket: ${error.sshMessage ?? ''}`);
      return this.attempt(plan);
    }
  }

  private attempt(plan: Plan): Promise<ReadyAttempt> {
    if (plan.mux !== undefined)
      return startMuxAttempt(plan.spec, plan.mux, this.muxUser, this.options.ssh.run, this.signal);
    return startAttempt(plan, {
      spawn: this.options.ssh.spawn,
      readyTimeoutMs: this.options.readyTimeoutMs,
      signal: this.signal,
      onLine: (line) => this.emit('line', line),
    });
  }

  private async superviseLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping && this.current !== undefined) {
      const upSince = Date.now();
      const reason = await this.current.ended;
      if (this.stopping) return;
      this.lastError = reason;
      if (Date.now() - upSince > this.options.backoff.stableMs) failures = 0;
      if (!this.options.reconnect || isPermanent(reason)) return this.fail(reason);
      this.current = undefined;
      await this.reconnect(() => (failures += 1));
    }
  }

  /** Retries until up (this.current set), a failure retrying cannot fix, or down(). */
  private async reconnect(countFailure: () => number): Promise<void> {
    let authenticated = false;
    while (!this.stopping) {
      const failures = countFailure();
      if (failures > this.options.maxRetries) {
        this.fail(
          new TunnelError(
            'SSH_EXITED',
            `gave up after ${failures - 1} reconnect attempts: ${this.lastError?.message ?? ''}`,
          ),
        );
        return;
      }
      this.setState('reconnecting', this.lastError);
      const costly = (this.lastError?.authenticatedHops ?? 0) > 0;
      const delay = backoffDelay(failures, this.options.backoff, Math.random, costly);
      // Waiting for one known port to be freed: a steady pace, not an ever longer backoff.
      if (!authenticated) await this.sleep(this.pins.waiting ? Math.min(delay, PIN_RETRY_MAX_MS) : delay);
      authenticated = false;
      if (this.stopping) return;
      try {
        await teardown(this.currentPlan, { remoteOnly: true, signal: this.signal, run: this.options.ssh.run });
        this.currentPlan = this.options.replan(this.pins.specForAttempt(), this.currentPlan.strategy);
        const attempt = await this.attempt(this.currentPlan);
        // down() may have come while this attempt was finishing: what it started is ours to stop.
        if (this.stopping) {
          await attempt.process.stop();
          return;
        }
        this.current = attempt;
        this.pin(attempt);
        this.restarts += 1;
        await this.announceUp();
        return;
      } catch (error) {
        if (this.stopping) return;
        const failure =
          error instanceof TunnelError ? error : new TunnelError('SSH_EXITED', String(error), { cause: error });
        this.lastError = failure;
        if (this.waitForPinnedPort(failure)) continue;
        if (failure.code === 'NEEDS_AUTH' && this.options.reconnect) {
          // One unattended try, then wait for a person: a login retried in a loop locks accounts.
          this.setState('needs-auth', failure);
          await this.sleep(2 ** 31 - 1); // until retryNow() (tunnel auth) or down()
          authenticated = true;
          continue;
        }
        if (isPermanent(failure)) {
          this.fail(failure);
          return;
        }
      }
    }
  }

  /** Pins what this attempt was allocated; a port that moved is announced loudly. */
  private pin(attempt: ReadyAttempt): void {
    for (const change of this.pins.pin(attempt.progress())) {
      this.emit(
        'line',
        `remote port ${change.from} on ${this.spec.to.host} could not be had back; the forward now listens on port ${change.to}: point its users at the new port`,
      );
      this.emit('port-changed', change);
    }
  }

  /** A refused pinned port: logged and asked for again (true), or not a pinned-port refusal. */
  private waitForPinnedPort(failure: TunnelError): boolean {
    const line = this.pins.refused(failure);
    if (line !== undefined) this.emit('line', line);
    return line !== undefined;
  }

  private fail(error: TunnelError): void {
    this.lastError = error;
    this.setState(error.code === 'NEEDS_AUTH' ? 'needs-auth' : 'failed', error);
  }

  /** If waiting to reconnect, try now instead of waiting out the backoff (called on wake and network changes). */
  retryNow(): void {
    this.wakeUp?.();
  }

  /** Waits, but a wake from sleep, a network change or down() cuts it short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private get probing(): boolean {
    return this.spec.probe && this.options.healthIntervalMs > 0;
  }

  /** Round-trip verdicts from the tunnel ssh's own lines; a shared master or a relay chain has none to give. */
  private probeOptions(): ProbeOptions {
    return { verdicts: this.mux === undefined && this.currentPlan.strategy === 'jump' ? this.verdicts : undefined };
  }

  /**
   * Up, or degraded at once: every forward is probed before the state is announced (one round
   * trip per forward, bounded by the probe window), so a wrong socket path is never reported up.
   */
  private async announceUp(): Promise<void> {
    // Without verdicts only a refusal is visible (ssh closes at once), so a short window suffices here.
    const options = this.probeOptions();
    if (this.probing)
      this.health = await probeAll(this.spec.forwards, options.verdicts === undefined ? { windowMs: 300 } : options);
    if (this.stopping) return;
    const problem = healthProblem(this.health, this.currentPlan.forwards, this.spec.keepalive);
    if (problem !== undefined) this.lastError = problem;
    this.setState(problem === undefined ? 'up' : 'degraded', problem);
  }

  /** A forward whose target is gone, or that no round trip confirms, makes the tunnel degraded, not up. */
  private onHealth(health: Health[]): void {
    const changed = health.some((h, i) => h !== this.health?.[i]);
    this.health = health;
    if (this.state !== 'up' && this.state !== 'degraded') return;
    const problem = healthProblem(health, this.currentPlan.forwards, this.spec.keepalive);
    if (problem !== undefined && changed) this.lastError = problem;
    if ((problem !== undefined) !== (this.state === 'degraded'))
      this.setState(problem === undefined ? 'up' : 'degraded', problem);
    else if (changed) this.emit('health', health);
  }

  private setState(state: TunnelState, error?: TunnelError): void {
    if (this.state === state) return;
    const live = (s: TunnelState) => s === 'up' || s === 'degraded';
    if (live(state) && !live(this.state)) {
      this.upSince = new Date();
      this.stopHealth?.();
      if (this.probing)
        this.stopHealth = watchHealth(
          this.spec.forwards,
          this.options.healthIntervalMs,
          (h) => this.onHealth(h),
          this.probeOptions(),
        );
    }
    if (!live(state)) {
      this.stopHealth?.();
      this.health = undefined;
    }
    this.state = state;
    this.emit('state', state, error);
    this.emit(state, error);
  }

  /**
   * Stops the ssh processes and removes every socket the tunnel created, in any phase:
   * an attempt in flight is aborted and what it started is stopped. Safe to call twice.
   */
  down(): Promise<void> {
    this.stopped ??= this.stopEverything();
    return this.stopped;
  }

  private async stopEverything(): Promise<void> {
    this.stopping = true;
    this.stopWake?.();
    this.stopHealth?.();
    this.lifetime.abort();
    this.wakeUp?.();
    await this.current?.process.stop();
    await this.loop?.catch(() => undefined);
    await teardown(this.currentPlan, { remoteOnly: false, run: this.options.ssh.run });
    this.setState('down');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
  }
}
