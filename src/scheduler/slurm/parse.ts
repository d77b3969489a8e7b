import { TunnelError } from '../../errors.js';
import type { JobInfo, JobNotes, Poll } from '../types.js';
import { firstHost } from './hostlist.js';

/** Ends for good: the tunnel must stop (COMPLETING too: the app is already being killed). */
const TERMINAL = new Set([
  'BOOT_FAIL',
  'CANCELLED',
  'COMPLETED',
  'COMPLETING',
  'DEADLINE',
  'FAILED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'PREEMPTED',
  'REVOKED',
  'SPECIAL_EXIT',
  'TIMEOUT',
]);

export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

/** `sbatch --parsable` prints `ID` or `ID;CLUSTER`; the submit script prints `reuse ID` for a job it reuses. */
export function parseSbatch(stdout: string): { id: string; reused: boolean } | undefined {
  const line = stdout.trim().split('\n').pop()?.trim() ?? '';
  const reused = line.startsWith('reuse ');
  const id = (reused ? line.slice(6) : line).split(';')[0] ?? '';
  return /^\d+(_\d+)?$/.test(id) ? { id, reused } : undefined;
}

/**
 * The one line worth showing from a Slurm command that failed: its own `error:` line, else its
 * first line that is not a hint. Never more than one line.
 */
export function slurmMessage(stderr: string, fallback: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('debug'));
  const error = lines.find((line) => /\berror:/.test(line));
  return error ?? lines.find((line) => !/^Try "?\S+ --help"?/.test(line)) ?? fallback;
}

/** Walltime as Slurm prints it: [days-]hours:minutes:seconds, minutes:seconds; null for UNLIMITED/NOT_SET/INVALID. */
export function parseDuration(text: string): number | null {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(text.trim());
  if (m === null) return null;
  const [, days, hours, minutes, seconds] = m;
  return ((Number(days ?? 0) * 24 + Number(hours ?? 0)) * 60 + Number(minutes)) * 60 + Number(seconds);
}

/** The squeue format the poll asks for; '|' never occurs in these fields. */
export const SQUEUE_FORMAT = '%i|%u|%T|%r|%N|%L';

/** One `squeue -h -t all -j ID -o SQUEUE_FORMAT` line. */
export function parseSqueueLine(line: string): JobInfo | undefined {
  const fields = line.trim().split('|');
  if (fields.length !== 6) return undefined;
  const [id, user, state, reason, nodes, left] = fields as [string, string, string, string, string, string];
  if (!/^\d+(_\d+)?$/.test(id) || !/^[A-Z_]+$/.test(state)) return undefined;
  return job(id, state, reason === 'None' ? '' : reason, firstHost(nodes), parseDuration(left), user);
}

/** `scontrol show job ID` (records outlive squeue's view for MinJobAge seconds). */
export function parseScontrol(text: string): JobInfo | undefined {
  const fields = new Map<string, string>();
  for (const m of text.matchAll(/(?:^|\s)([A-Za-z:/]+)=(\S*)/g)) if (!fields.has(m[1]!)) fields.set(m[1]!, m[2]!);
  const id = fields.get('JobId');
  const state = fields.get('JobState');
  if (id === undefined || state === undefined) return undefined;
  const limit = parseDuration(fields.get('TimeLimit') ?? '');
  const used = parseDuration(fields.get('RunTime') ?? '') ?? 0;
  const reason = fields.get('Reason') ?? '';
  const user = /^([^(]+)/.exec(fields.get('UserId') ?? '')?.[1];
  return job(
    id,
    state,
    reason === 'None' ? '' : reason,
    firstHost(fields.get('BatchHost') ?? fields.get('NodeList') ?? ''),
    limit === null ? null : Math.max(0, limit - used),
    user,
  );
}

function job(
  id: string,
  state: string,
  reason: string,
  node: string | undefined,
  timeLeft: number | null,
  user: string | undefined,
): JobInfo {
  const terminal = isTerminal(state);
  return { id, state, reason, node, timeLeft, user, terminal, running: state === 'RUNNING' && node !== undefined };
}

/** Markers between the sections of the poll script's output. */
export const MARK = {
  squeue: '--tnl-squeue--',
  scontrol: '--tnl-scontrol--',
  notes: '--tnl-notes--',
  me: '--tnl-me--',
  end: '--tnl-end--',
} as const;

/** The poll script's whole output: squeue's line (or scontrol's record), the job's notes, who we are. */
export function parsePoll(stdout: string): Poll {
  const sections = splitSections(stdout.split(MARK.end)[0] ?? '');
  const fromSqueue = (sections.get(MARK.squeue) ?? []).map(parseSqueueLine).find((j) => j !== undefined);
  const job = fromSqueue ?? parseScontrol((sections.get(MARK.scontrol) ?? []).join('\n'));
  return {
    job,
    notes: parseNotes((sections.get(MARK.notes) ?? []).join('\n')),
    me: sections.get(MARK.me)?.[0]?.trim() || undefined,
  };
}

function splitSections(stdout: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if ((Object.values(MARK) as string[]).includes(line.trim())) sections.set(line.trim(), (current = []));
    else current?.push(line);
  }
  return sections;
}

/** key=value lines; anything else is ignored. Keys are plain words. */
export function parseNotes(text: string): JobNotes {
  const notes: JobNotes = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z][a-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) notes[m[1]!] = m[2]!;
  }
  return notes;
}

/** A job id as users type it for --job: digits (array tasks as 12_3). */
export function parseJobId(text: string): string {
  if (!/^\d{1,12}(_\d{1,9})?$/.test(text))
    throw new TunnelError('BAD_OPTION', `--job '${text.slice(0, 40)}': expected a Slurm job id like 12345`, {
      field: '--job',
    });
  return text;
}
