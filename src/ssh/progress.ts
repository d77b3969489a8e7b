/** What an ssh process has told us so far, read from its -v output. */
export interface SshProgress {
  /** `Authenticated to ...` lines: one per hop that let us in. */
  authenticated: number;
  /** The last host ssh said it was connecting or authenticating to. */
  lastHost: string | undefined;
  /** Local listeners the ssh announced (`Local forwarding listening on ...`). */
  listening: number;
  /**
   * A session opened after the last listener was announced. With -J, each jump process
   * prints its own session line first; only the main ssh's comes after its listeners.
   */
  session: boolean;
  /** Every -R request got a reply. */
  remoteForwardsDone: boolean;
  /** Remote forwards confirmed, in request order; `allocated` for `-R 0`. */
  remoteForwards: Array<{ listen: string; allocated: number | undefined }>;
  /** The relay hop's inner ssh opened its session (its socket is bound). */
  relayInnerSession: boolean;
  /** Recent lines that are not debug chatter, oldest first. */
  tail: string[];
}

export type Stream = 'stderr' | 'stdout';

const TAIL_LINES = 40;

export function emptyProgress(): SshProgress {
  return {
    authenticated: 0,
    lastHost: undefined,
    listening: 0,
    session: false,
    remoteForwardsDone: false,
    remoteForwards: [],
    relayInnerSession: false,
    tail: [],
  };
}

/**
 * Folds one output line into the progress. On a relay, the outer ssh's own messages
 * arrive on stderr and the inner ssh's through the pty on stdout.
 */
export function readLine(progress: SshProgress, rawLine: string, stream: Stream): SshProgress {
  const line = rawLine.replace(/\r$/, '');
  if (line === '') return progress;
  const next = { ...progress };
  const host = /^debug1: (?:Connecting to|Authenticating to) \[?([^\]\s:]+)/.exec(line)?.[1];
  if (host !== undefined) next.lastHost = host;
  if (line.startsWith('Authenticated to ')) next.authenticated += 1;
  if (stream === 'stderr' && line.startsWith('debug1: Local forwarding listening on ')) {
    next.listening += 1;
    next.session = false;
  }
  if (line === 'debug1: Entering interactive session.') {
    if (stream === 'stderr') next.session = true;
    else next.relayInnerSession = true;
  }
  if (stream === 'stderr') readRemoteForward(next, line);
  if (!line.startsWith('debug')) next.tail = [...progress.tail, line].slice(-TAIL_LINES);
  return next;
}

function readRemoteForward(progress: SshProgress, line: string): void {
  const success = /^debug1: remote forward success for: listen (.+), connect /.exec(line);
  if (success !== null) {
    progress.remoteForwards = [...progress.remoteForwards, { listen: success[1]!, allocated: undefined }];
    return;
  }
  const allocated = /^Allocated port (\d+) for remote forward/.exec(line);
  if (allocated !== null) {
    const forwards = [...progress.remoteForwards];
    const last = forwards[forwards.length - 1];
    if (last !== undefined) forwards[forwards.length - 1] = { ...last, allocated: Number(allocated[1]) };
    progress.remoteForwards = forwards;
    return;
  }
  if (line === 'debug1: forwarding_success: all expected forwarding replies received') {
    progress.remoteForwardsDone = true;
  }
}
