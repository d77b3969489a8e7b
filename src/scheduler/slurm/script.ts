import { TunnelError } from '../../errors.js';
import { shQuote } from '../../plan/quote.js';

/** What the batch script runs; every value is validated here and shell-quoted into the template. */
export interface JobScriptInput {
  /** One line for the script's header comment. */
  title: string;
  /** Private directory on the node (created 0700 by the job, removed when it ends). */
  dir: string;
  /** Socket the app listens on; the job reports ready once it exists. Empty: report at once. */
  socket: string;
  /** Shell code that starts the app in the foreground; sees $TUNNEL_DIR, $TUNNEL_SOCKET and $TUNNEL_PORT. */
  command: string;
  /** The app connects back through the tunnel's -R on its node: it starts once the tunnel wrote the port ($TUNNEL_PORT). */
  waitForPort?: boolean;
}

const PATH = /^\/[A-Za-z0-9._/-]{1,200}$/;
const PLACEHOLDERS = ['title', 'dir', 'socket', 'command', 'waitport'] as const;

/** Fills templates/slurm/job.sh; a template missing a placeholder is a packaging bug and says so. */
export function renderJobScript(template: string, input: JobScriptInput): string {
  if (!PATH.test(input.dir) || input.dir.includes('..'))
    throw bad(
      'dir',
      `job directory '${input.dir.slice(0, 80)}' must be an absolute path of letters, digits, '.', '_', '-'`,
    );
  if (input.socket !== '' && (!PATH.test(input.socket) || !input.socket.startsWith(`${input.dir}/`)))
    throw bad('socket', `job socket '${input.socket.slice(0, 80)}' must lie in ${input.dir}`);
  if (input.command.trim() === '' || input.command.includes('\0'))
    throw bad('--run', '--run: expected a command to run in the job');
  const values: Record<(typeof PLACEHOLDERS)[number], string> = {
    title: input.title.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 200),
    dir: shQuote(input.dir),
    socket: shQuote(input.socket),
    command: shQuote(input.command),
    waitport: input.waitForPort === true ? '1' : "''",
  };
  for (const key of PLACEHOLDERS) {
    if (!template.includes(`{${key}}`))
      throw new TunnelError('CONFIG_INVALID', `templates/slurm/job.sh has no {${key}} placeholder`);
  }
  return template.replace(
    /\{(title|dir|socket|command|waitport)\}/g,
    (_, key: (typeof PLACEHOLDERS)[number]) => values[key],
  );
}

function bad(field: string, message: string): TunnelError {
  return new TunnelError('BAD_OPTION', message, { field });
}
