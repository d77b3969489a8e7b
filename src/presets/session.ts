import type { SshRunner } from '../ssh/runner.js';
import type { TunnelOptions } from '../model/types.js';
import type { Tunnel } from '../supervise/tunnel.js';
import type { Preset } from './types.js';

/** What a preset says once its tunnel is up: lines for people, fields for --json. */
export interface PresetReport {
  lines: string[];
  json: Record<string, unknown>;
}

/** Enough to stop a preset's app from another process later (e.g. `tunnel down NAME`). Plain JSON. */
export interface PresetState {
  preset: string;
  /** The target the app runs on, in --via/--to/-F terms. */
  via: string[];
  to: string;
  sshConfig: string | undefined;
  /** Private directory of a launched server on the target; absent when nothing was launched. */
  dir: string | undefined;
  pid: number | undefined;
  keep: boolean;
}

/** Injectable effects; every field has a real default. */
export interface PresetContext {
  signal?: AbortSignal | undefined;
  /** Progress and remote output for people (never secrets). */
  onLine?: ((line: string) => void) | undefined;
  /** Runner for one-shot remote commands (launch, wait, stop) and spawner for long-running ones (--launch). */
  ssh?: Partial<SshRunner> | undefined;
}

/** A prepared preset: its app is running (or attached) and the tunnel options are final. */
export interface PresetSession {
  /** Options for the core up(). */
  options: TunnelOptions;
  /** Once the tunnel is up: waits until the app answers through it, then says how to use it. */
  describe(tunnel: Tunnel): Promise<PresetReport>;
  /** Stops what prepare() or describe() started (unless --keep) and removes its files. Safe to call twice. */
  cleanup(): Promise<void>;
  state: PresetState;
}

/** `tunnel up <preset>` before anything runs. */
export interface PresetUp {
  preset: Preset;
  /** Tunnel options when they are known before prepare() (undefined: the target port comes from the launch). */
  options: TunnelOptions | undefined;
  /** Copy-pasteable lines for --dry-run: the remote commands, then the tunnel. */
  dryRun(): string[];
  /** Starts (or finds) the app and returns the final tunnel options. */
  prepare(context?: PresetContext): Promise<PresetSession>;
}
