import type { JobEvent } from '../scheduler/resolve-job.js';
import type { OpenOptions, Session } from '../session/types.js';
import type { StartedTunnel, StartOptions } from './start.js';

/** How a prepared `up` runs in the foreground: the session's options plus the job's events. */
export interface OpenUpOptions extends OpenOptions {
  onEvent?: ((event: JobEvent) => void) | undefined;
}

/** Everything decided before anything runs: what --dry-run prints, and the two ways to run it. */
export interface PreparedUp {
  kind: 'tunnel' | 'preset' | 'job';
  /** The preset it runs, if any. */
  presetName: string | undefined;
  /** What --dry-run prints: copy-pasteable shell lines, or one JSON value. */
  dryRun(json: boolean): Promise<string>;
  /** Brings it up here and resolves once ready (the foreground `up`). */
  open(options?: OpenUpOptions): Promise<Session>;
  /** Brings it up under a background supervisor (`up -d`). */
  start(
    options?: Omit<StartOptions, 'tunnel' | 'saved' | 'preset'> & { onEvent?: (event: JobEvent) => void },
  ): Promise<StartedTunnel>;
}
