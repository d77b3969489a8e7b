import type { TunnelError } from '../errors.js';
import type { TunnelSpec } from '../model/types.js';
import type { PresetInput, PresetReport, PresetState } from '../presets/index.js';
import type { JobInput, JobPlan } from '../scheduler/job-plan.js';
import type { JobSession } from '../scheduler/job-session.js';
import type { JobEvent, ResolvedJob } from '../scheduler/resolve-job.js';
import type { CancelledJob } from '../scheduler/tunnel-jobs.js';
import type { UpOptions } from '../supervise/up.js';
import type { Tunnel } from '../supervise/tunnel.js';

/** What to run: a plain tunnel, an app preset (its app, then its tunnel), or a tunnel to a scheduler job's node. */
export type SessionRequest =
  | { kind: 'tunnel'; spec: TunnelSpec }
  | { kind: 'preset'; name: string; input: PresetInput }
  | {
      kind: 'job';
      plan: JobPlan;
      resolved: ResolvedJob;
      presetName: string | undefined;
      input: JobInput & PresetInput;
    };

/** A preset's part of the record: how to stop its app later, and its report (redacted before it is written). */
export interface PresetRecord {
  name: string;
  state: PresetState;
  report: PresetReport;
}

/** A scheduler job behind a tunnel, as `ls`/`status` show it. */
export interface JobRecord {
  scheduler: string;
  id: string;
  node: string | null;
  state: string;
  reason: string;
  /** Seconds of walltime left when last seen; null when unlimited or unknown. */
  timeLeft: number | null;
  seenAt: string;
  /** This tool submitted it; an attached job is never cancelled. */
  submitted: boolean;
  keepJob: boolean;
  /** The ssh that cancels it, run by `down` even after the supervisor died; null when it must not be cancelled. */
  cancel: string[] | null;
}

/**
 * One contract for all three kinds: opened (ready), reported, followed until it ends, taken down,
 * and recorded. The CLI, start() and the background supervisor each hold one of these.
 */
export interface Session {
  readonly request: SessionRequest;
  /** The tunnel in force (a requeued job's tunnel is a new one, to its new node). */
  tunnel(): Tunnel;
  /** What a person needs to use it (a preset's URL, token, config lines); undefined for a plain tunnel. */
  report(): PresetReport | undefined;
  /** The record's fields beyond the tunnel's own: the preset's state and report, the job as last seen. */
  record(): { preset?: PresetRecord; job?: JobRecord };
  /** The scheduler job it follows, if any. */
  job(): JobSession | undefined;
  /** Resolves when something outside ends it (the job ended); undefined when nothing can. */
  readonly ended: Promise<TunnelError> | undefined;
  /** Hears a requeued job's move to another node (the tunnel() changed). */
  onMoved(listener: (session: Session) => void): void;
  /** Everything down: a job cancelled first (if this tool submitted it), the tunnel, then a preset's app. */
  down(): Promise<void>;
  /** How down()'s cancel of the job went; undefined when there was nothing to cancel. */
  cancelled(): CancelledJob | undefined;
}

export interface OpenOptions extends UpOptions {
  /** Never prompt (the background supervisor): BatchMode for the tunnel, the app and the scheduler. */
  unattended?: boolean;
  /** A preset's own progress lines, for people. */
  onProgress?: ((line: string) => void) | undefined;
  /** The job's events while it is followed (requeued, cancelled, walltime). */
  onEvent?: ((event: JobEvent) => void) | undefined;
  /** Every look at the job while it runs (to publish its state and time left). */
  onLook?: (() => void) | undefined;
}
