import { shJoin, shQuote } from '../../plan/quote.js';
import { MARK, SQUEUE_FORMAT } from './parse.js';

/*
 * The shell lines Slurm's commands run as on the login node. Each is one line (no '!' and no
 * newline), so it survives any login shell inside `exec /bin/sh -c '...'`; every value is quoted.
 * The notes directory is in the home, which a cluster shares between its login and compute nodes.
 */

export const NOTES_DIR = '"$HOME/.tunnel/jobs"';

/** sbatch reads the batch script on stdin; its job id is the only line on stdout. */
export function submitScript(options: readonly string[], jobName: string): string {
  return [
    `mkdir -p ${NOTES_DIR} && chmod 700 "$HOME/.tunnel" ${NOTES_DIR}`,
    `exec sbatch --parsable --job-name=${shQuote(jobName)} --output=${NOTES_DIR}/%j.out ${shJoin(options)}`.trimEnd(),
  ].join(' && ');
}

/** Who we are, the job as squeue sees it (scontrol once squeue has forgotten it), and its notes. */
export function pollScript(id: string): string {
  const job = shQuote(id);
  return [
    `echo ${MARK.me}`, 'id -un',
    `s=$(squeue -h -t all -j ${job} -o ${shQuote(SQUEUE_FORMAT)})`,
    `echo ${MARK.squeue}`, `printf '%s\\n' "$s"`,
    `if [ -z "$s" ]; then echo ${MARK.scontrol}; scontrol show job ${job} 2>/dev/null; fi`,
    `echo ${MARK.notes}`, `cat ${NOTES_DIR}/${job} 2>/dev/null`,
    'true',
  ].join('; ');
}

export function cancelScript(id: string): string {
  return `exec scancel ${shQuote(id)}`;
}
