import { DEFAULTS } from '../model/defaults.js';
import { sshRunner, type SshRunner } from '../ssh/runner.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';

/** How a tunnel is run (as opposed to what it is); every field optional where a caller hands it in. */
export interface RunOptions {
  /** How long to wait for every forward to be ready (default 30 s). */
  readyTimeoutMs?: number | undefined;
  /** Reconnect after a drop (default true). */
  reconnect?: boolean | undefined;
  /** Failed reconnects in a row before giving up (default: retry forever). */
  maxRetries?: number | undefined;
  /** Probe each forward end to end this often (default 15 s; 0 = off). */
  healthIntervalMs?: number | undefined;
  backoff?: Partial<BackoffPolicy> | undefined;
  /** Every ssh the tunnel starts: hand in a runner to see or fake them (default: the system's OpenSSH). */
  ssh?: Partial<SshRunner> | undefined;
}

export interface RunSettings {
  readyTimeoutMs: number;
  reconnect: boolean;
  maxRetries: number;
  healthIntervalMs: number;
  backoff: BackoffPolicy;
  ssh: SshRunner;
}

/**
 * The one place run options get their defaults (execa's addDefaultOptions is the model): up(),
 * start()'s supervisor and the CLI hand in only what was given, and every default lands here.
 */
export function withRunDefaults(options: RunOptions): RunSettings {
  return {
    readyTimeoutMs: options.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs,
    reconnect: options.reconnect ?? true,
    maxRetries: options.maxRetries ?? Number.POSITIVE_INFINITY,
    healthIntervalMs: options.healthIntervalMs ?? DEFAULTS.healthIntervalMs,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    ssh: sshRunner(options.ssh),
  };
}
