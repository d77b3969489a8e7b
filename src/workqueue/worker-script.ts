import { destinationArgs } from '../plan/destination.js';
import { shJoin, shQuote } from '../plan/quote.js';
import { DEFAULTS } from '../model/defaults.js';
import { parseHop } from '../model/hop.js';
import { parseName } from '../model/name.js';
import { parseInteger } from '../model/tunnel.js';
import { badOption } from '../presets/options.js';
import { renderTemplate } from '../presets/template.js';
import type { ReversePreset } from '../presets/types.js';

export interface WorkerScriptInput {
  /** Job name: SBATCH --job-name and log prefix. */
  name: string;
  /** The head node as compute nodes reach it: `[user@]host[:port]` or an ssh_config alias. */
  head: string;
  /** The port `tunnel up` reported on the head node. */
  headPort: number | string;
  scheduler?: string | undefined;
  /** slurm: array size; none: workers started side by side in one script. */
  count?: number | string | undefined;
  /** -F for the workers' ssh (default: the compute node's ~/.ssh/config). */
  sshConfig?: string | undefined;
  /** Extra arguments for the worker program, one per entry. */
  workerArgs?: readonly string[] | undefined;
  /** Seconds a worker waits for its forward. */
  forwardTimeout?: number | string | undefined;
  /** Seconds a slot keeps reopening a dropped forward before it ends (0: one retry). */
  forwardGiveUp?: number | string | undefined;
}

/** How long a slot keeps reopening a dropped forward, unless told otherwise. */
export const DEFAULT_FORWARD_GIVE_UP = 600;

/** --forward-give-up, for the worker script and the factory wrapper alike. */
export function parseForwardGiveUp(value: number | string | undefined): number {
  return parseInteger(value, '--forward-give-up', DEFAULT_FORWARD_GIVE_UP, 0, 604_800);
}
/** work_queue_worker's own --connect-timeout default, which a paused worker must not lose. */
const WORKER_CONNECT_WAIT = 900;
/** work_queue_worker's --max-backoff: its default (60 s) would leave a restored forward unused that long. */
const WORKER_MAX_BACKOFF = 5;

/** Renders the preset's job script template; every value is validated, then shell-quoted. Pure. */
export function renderWorkerScript(preset: ReversePreset, template: string, input: WorkerScriptInput): string {
  const worker = preset.reverse.worker;
  if (worker === undefined) throw badOption('preset', `the '${preset.name}' preset has no worker script`);
  const name = parseName(input.name, 'NAME');
  const scheduler = input.scheduler ?? 'none';
  if (scheduler !== 'slurm' && scheduler !== 'none')
    throw badOption('--scheduler', `--scheduler '${scheduler}': expected slurm or none`);
  const count = parseInteger(input.count, '--count', 1, 1, 10_000);
  const headPort = parseInteger(input.headPort, '--head-port', 0, 1, 65535);
  if (input.sshConfig !== undefined && (input.sshConfig === '' || input.sshConfig.startsWith('-'))) {
    throw badOption('--ssh-config', `--ssh-config '${input.sshConfig}': expected a file path`);
  }
  const giveUp = parseForwardGiveUp(input.forwardGiveUp);
  return renderTemplate(
    template,
    {
      DIRECTIVES: directives(scheduler, name, count),
      NAME: name,
      NAME_QUOTED: shQuote(name),
      HEAD_ARGS: shJoin(destinationArgs(parseHop(input.head, '--head'))),
      HEAD_PORT: String(headPort),
      SLOTS: String(scheduler === 'slurm' ? 1 : count),
      KEEPALIVE: String(DEFAULTS.keepaliveInterval),
      KEEPALIVE_COUNT: String(DEFAULTS.keepaliveCount),
      CONNECT_TIMEOUT: String(DEFAULTS.connectTimeout),
      SSH_EXTRA: input.sshConfig === undefined ? '' : shJoin(['-F', input.sshConfig]),
      WORKER: shJoin(worker.command),
      WORKER_ARGS: shJoin(input.workerArgs ?? []),
      WORKER_CONNECT_TIMEOUT: String(WORKER_CONNECT_WAIT + giveUp),
      WORKER_MAX_BACKOFF: String(WORKER_MAX_BACKOFF),
      FORWARD_TIMEOUT: String(parseInteger(input.forwardTimeout, '--forward-timeout', 30, 1, 600)),
      FORWARD_GIVE_UP: String(giveUp),
    },
    worker.template,
  );
}

/** Scheduler header lines; the name is parseName-validated, so it is safe unquoted here. */
function directives(scheduler: 'slurm' | 'none', name: string, count: number): string {
  if (scheduler === 'none') {
    return count === 1
      ? '# Run it with: bash THIS_FILE'
      : `# Run it with: bash THIS_FILE (starts ${count} workers side by side)`;
  }
  const lines = [`#SBATCH --job-name=${name}`, '#SBATCH --ntasks=1'];
  if (count > 1) lines.push(`#SBATCH --array=1-${count}`, `#SBATCH --output=${name}-%A_%a.log`);
  else lines.push(`#SBATCH --output=${name}-%j.log`);
  lines.push('# Submit it with: sbatch THIS_FILE');
  return lines.join('\n');
}
