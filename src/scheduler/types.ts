/*
 * A scheduler is a resolver: it turns "a job" into the node the tunnel goes to. Slurm is the one
 * implementation; PBS/LSF/HTCondor would be a second one of this same small interface.
 */

/** What one look at a job tells us. */
export interface JobInfo {
  id: string;
  /** The scheduler's own word (Slurm: PENDING, RUNNING, CANCELLED, TIMEOUT, ...). */
  state: string;
  /** Why it waits or why it ended, in the scheduler's words ('' when it has none). */
  reason: string;
  /** The first node the job runs on; undefined while it has none. */
  node: string | undefined;
  /** Seconds of walltime left; null when unlimited or unknown. */
  timeLeft: number | null;
  /** The job's owner, as the scheduler reports it. */
  user: string | undefined;
  /** The job will not run (again): the tunnel must end. */
  terminal: boolean;
  /** The job runs and has a node: the tunnel can be built. */
  running: boolean;
}

/** What a submitted job's batch script wrote for the tunnel (key=value lines in a private file). */
export type JobNotes = Record<string, string>;

export interface Poll {
  job: JobInfo | undefined;
  notes: JobNotes;
  /** The user the scheduler commands ran as (to refuse someone else's job). */
  me: string | undefined;
}

/** submit / poll (state, node, time left) / cancel. Every call goes through the login node. */
export interface Scheduler {
  readonly name: string;
  /** The new job's id, or (reused) that of a job of the same name still queued or running. */
  submit(script: string): Promise<{ id: string; reused: boolean }>;
  poll(id: string): Promise<Poll>;
  cancel(id: string): Promise<void>;
  /** Hands the running job what it waits for (the port of the tunnel's -R on its node). */
  tell(id: string, notes: JobNotes): Promise<void>;
  /**
   * Optional: watch a job until it runs (its app ready in directory `notes`), leaves the waiting states,
   * or a while passes, reporting each change; returns the last look. Without it, poll() in a loop.
   */
  follow?(
    id: string,
    options: { notes: string | undefined; signal?: AbortSignal | undefined; onPoll: (poll: Poll) => void },
  ): Promise<Poll>;
}
