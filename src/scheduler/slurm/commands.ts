import { shJoin, shQuote } from '../../plan/quote.js';
import { MARK, SQUEUE_FORMAT } from './parse.js';

/*
 * The shell lines Slurm's commands run as on the login node. Each is one line (no '!' and no
 * newline), so it survives any login shell inside `exec /bin/sh -c '...'`; every value is quoted.
 * The notes directory is in the home, which a cluster shares between its login and compute nodes.
 */

export const NOTES_DIR = '"$HOME/.tunnel/jobs"';

/**
 * sbatch reads the batch script on stdin; its job id is the only line on stdout. With `reuse`, a job
 * of ours with the same name still pending or running is reused instead (`reuse ID`). `output` is
 * sbatch's file pattern in the notes directory (a job array's tasks: `%A_%a.out`).
 */
export function submitScript(
  options: readonly string[],
  jobName: string,
  reuse = false,
  output = '%j.out',
  tag?: string,
): string {
  const same = `o=$(squeue -h -u "$(id -un)" -n ${shQuote(jobName)} -t PENDING,CONFIGURING,RUNNING -o %i 2>/dev/null | head -n 1); if [ -n "$o" ]; then echo "reuse $o"; exit 0; fi`;
  return (
    (reuse ? `${same}; ` : '') +
    [
      `mkdir -p ${NOTES_DIR} && chmod 700 "$HOME/.tunnel" ${NOTES_DIR}`,
      `exec sbatch --parsable --job-name=${shQuote(jobName)}${tag === undefined ? '' : ` --comment=${shQuote(tag)}`} --output=${NOTES_DIR}/${shQuote(output)} ${shJoin(options)}`.trimEnd(),
    ].join(' && ')
  );
}

/** The ids of our jobs whose --comment is `tag` (what one submit queued), one per line. */
export function taggedScript(tag: string): string {
  return `squeue -h -u "$(id -un)" -t all -o '%i %k' | while read -r i k; do [ "$k" = ${shQuote(tag)} ] && echo "$i"; done; true`;
}

/** Who we are, the job as squeue sees it (scontrol once squeue has forgotten it), and its notes. */
export function pollScript(id: string): string {
  const job = shQuote(id);
  return [
    `echo ${MARK.me}`,
    'id -un',
    // Double quotes: the format has no $ or backquote, and reads better than nested single quotes.
    `s=$(squeue -h -t all -j ${job} -o "${SQUEUE_FORMAT}")`,
    `echo ${MARK.squeue}`,
    'printf "%s\\n" "$s"',
    `if [ -z "$s" ]; then echo ${MARK.scontrol}; scontrol show job ${job} 2>/dev/null; fi`,
    `echo ${MARK.notes}`,
    `cat ${NOTES_DIR}/${job} 2>/dev/null`,
    'true',
  ].join('; ');
}

/** Writes notes for the job to read (key=value lines), atomically and privately, next to its own notes. */
export function tellScript(id: string, notes: Record<string, string>): string {
  const file = `${NOTES_DIR}/${shQuote(id)}.port`;
  const lines = Object.entries(notes)
    .map(([key, value]) => shQuote(`${key}=${value}`))
    .join(' ');
  return `umask 077 && printf '%s\\n' ${lines} > ${file}.tmp && exec mv -f ${file}.tmp ${file}`;
}

export function cancelScript(id: string): string {
  return `exec scancel ${shQuote(id)}`;
}

/** States in which a job may still come to run: the follow loop keeps watching them. */
const WAITING = ['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SUSPENDED'];

/**
 * One ssh for the whole wait: squeue every 0.25 s at first, then every `maxPollSeconds`, printing a
 * poll block (as pollScript does, ended by MARK.end) whenever something changed, until the job runs
 * (and, with `notes` = the job's directory, its app reported ready or failed there), leaves the
 * waiting states, or `seconds` pass.
 * On a login node behind slow or 2FA logins this is one login instead of one per poll.
 */
export function followScript(
  id: string,
  options: { notes: string | undefined; seconds: number; maxPollSeconds: number },
): string {
  const job = shQuote(id);
  const block = [
    `echo ${MARK.me}`,
    'echo "$me"',
    `echo ${MARK.squeue}`,
    'printf "%s\\n" "$s"',
    // scontrol's own error ("Invalid job id specified") is what an unknown job's message quotes.
    `if [ -z "$s" ]; then echo ${MARK.scontrol}; scontrol show job ${job} 2>&1; fi`,
    `echo ${MARK.notes}`,
    'printf "%s\\n" "$n"',
    `echo ${MARK.end}`,
  ].join('; ');
  // Notes count only when they are this run's (its directory): a job id can come back (another
  // cluster sharing the home, a restarted controller) and its old notes must not pass for ours.
  const mine = options.notes === undefined ? '' : `*${shQuote(`dir=${options.notes}`)}*`;
  const running =
    options.notes === undefined
      ? 'exit 0'
      : `case "$n" in ${mine}) case "$n" in *state=ready*|*state=failed*) exit 0;; esac;; esac`;
  return [
    'me=$(id -un)',
    `end=$(( $(date +%s) + ${Math.trunc(options.seconds)} ))`,
    'last=',
    'i=0',
    `while :; do s=$(squeue -h -t all -j ${job} -o "${SQUEUE_FORMAT}" 2>/dev/null); n=$(cat ${NOTES_DIR}/${job} 2>/dev/null)`,
    `if [ "$s|$n" = "$last" ]; then :; else last="$s|$n"; ${block}; fi`,
    `case "$s" in *"|RUNNING|"*) ${running};; ${WAITING.map((w) => `*"|${w}|"*`).join('|')}) ;; *) exit 0;; esac`,
    'if [ "$(date +%s)" -ge "$end" ]; then exit 0; fi',
    `i=$((i+1)); if [ "$i" -le 20 ]; then sleep 0.25; else sleep ${Math.max(1, Math.trunc(options.maxPollSeconds))}; fi; done`,
  ].join('; ');
}
