import type { JobScriptInput } from '../resolve/slurm/script.js';
import { checkSocketPath } from '../spec/socket-path.js';
import { badOption, type PresetInput } from './options.js';
import { commandFromArgv, commandFromUser, runDir, usesPlaceholder } from './server-scripts.js';
import type { Preset } from './types.js';

/**
 * A server preset started inside a scheduler job rather than over ssh: the same command, private
 * directory and socket as `tunnel up jupyter --sock`, but the batch script runs it on the node the
 * job got. Socket mode only: the socket path is known before the node is.
 */
export function serverJobApp(preset: Preset, input: PresetInput, runId: string): JobScriptInput {
  if (preset.kind !== 'server') throw badOption('--slurm', `--slurm: the '${preset.name}' preset cannot run inside a job yet; start it in your own job and use --job ID`);
  for (const [key, flag] of [['attach', '--attach'], ['keep', '--keep'], ['localPort', ''], ['startTimeout', '']] as const) {
    if (flag !== '' && input[key] !== undefined && input[key] !== false) throw badOption(flag, `${flag} does not apply with --slurm: the job runs the server and ends with it (see --keep-job)`);
  }
  const { server } = preset;
  const dir = runDir(server.socketDir, preset.name, runId);
  const socket = checkSocketPath(`${dir}/${server.socketFile}`, 'server.socketDir');
  let command = commandFromArgv(server.command.socket);
  if (input.cmd !== undefined) {
    if (!usesPlaceholder(input.cmd, 'socket')) throw badOption('--cmd', '--cmd must contain {socket} where the server\'s socket goes (e.g. --sock {socket})');
    command = commandFromUser(input.cmd);
  }
  return { title: `tunnel up ${preset.name} --slurm: ${server.label} on a private socket`, dir, socket, command };
}
