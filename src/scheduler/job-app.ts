import type { JobScriptInput } from './slurm/script.js';
import { checkSocketPath } from '../model/socket-path.js';
import { badOption, type PresetInput } from '../presets/options.js';
import { commandFromArgv, commandFromUser, runDir, usesPlaceholder } from '../presets/server/server-scripts.js';
import { normalizeLaunch } from '../presets/reverse/reverse.js';
import type { Preset, ReversePreset } from '../presets/types.js';

/**
 * A server preset started inside a scheduler job rather than over ssh: the same command, private
 * directory and socket as `tunnel up jupyter --sock`, but the batch script runs it on the node the
 * job got. Socket mode only: the socket path is known before the node is.
 */
export function serverJobApp(preset: Preset, input: PresetInput, runId: string): JobScriptInput {
  if (preset.kind === 'reverse') return reverseJobApp(preset, input, runId);
  for (const [key, flag] of [
    ['attach', '--attach'],
    ['keep', '--keep'],
    ['localPort', ''],
    ['startTimeout', ''],
  ] as const) {
    if (flag !== '' && input[key] !== undefined && input[key] !== false)
      throw badOption(
        flag,
        `${flag} does not apply with --slurm: the job runs the server and ends with it (see --keep-job)`,
      );
  }
  const { server } = preset;
  const dir = runDir(server.socketDir, preset.name, runId);
  const socket = checkSocketPath(`${dir}/${server.socketFile}`, 'server.socketDir');
  let command = commandFromArgv(server.command.socket);
  if (input.cmd !== undefined) {
    if (!usesPlaceholder(input.cmd, 'socket'))
      throw badOption('--cmd', "--cmd must contain {socket} where the server's socket goes (e.g. --sock {socket})");
    command = commandFromUser(input.cmd);
  }
  return { title: `tunnel up ${preset.name} --slurm: ${server.label} on a private socket`, dir, socket, command };
}

/**
 * A reverse preset's server (pvserver) started inside a job: it connects back through the tunnel's
 * -R on its own node, so the job waits until the tunnel has written that port ($TUNNEL_PORT).
 */
function reverseJobApp(preset: ReversePreset, input: PresetInput, runId: string): JobScriptInput {
  if (preset.reverse.remoteCommand === undefined) {
    throw badOption(
      '--slurm',
      `--slurm: the '${preset.name}' preset starts nothing on the cluster; submit your own job and point it at the -R port`,
    );
  }
  const launch = normalizeLaunch(preset, input.launch ?? preset.reverse.remoteCommand[0]!);
  return {
    title: `tunnel up ${preset.name} --slurm: ${preset.reverse.label}'s server, connecting back`,
    dir: `/tmp/tnl-${preset.name}-${runId}`,
    socket: '',
    command: launch.replace(/\{port\}/g, '"$TUNNEL_PORT"'),
    waitForPort: true,
  };
}
