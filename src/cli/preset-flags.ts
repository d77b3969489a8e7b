import type { Command } from 'commander';
import type { PresetOptions } from '../api/up.js';

/** Flags `tunnel up <preset>` adds on top of the tunnel flags; each preset rejects the ones it ignores. */
export function addPresetFlags(command: Command): Command {
  return command
    .option('--sock', 'jupyter: serve on a private Unix socket on the node instead of a port')
    .option('--cmd <command>', 'jupyter: start the server with this command ({socket} or {port} is filled in)')
    .option('--attach <path|port>', 'jupyter: use a server already running at this socket path or port')
    .option('--keep', 'jupyter: leave the server running when the tunnel goes down')
    .option('--start-timeout <seconds>', 'jupyter: how long to wait for the server to answer')
    .option('--local-port <port>', 'jupyter: the local port for the browser (default: a free one)')
    .option('--port <port>', 'workqueue/expose/paraview: the local port to publish (default from the preset)')
    .option(
      '--remote-port <port>',
      'workqueue/expose/paraview: the port on the target (default 0: the target picks and it is reported)',
    )
    .option(
      '--launch <command>',
      "paraview: run pvserver on the target with this command (e.g. 'mpiexec -n 4 pvserver')",
    );
}

export interface PresetFlags {
  sock?: boolean;
  cmd?: string;
  attach?: string;
  keep?: boolean;
  startTimeout?: string;
  localPort?: string;
  port?: string;
  remotePort?: string;
  launch?: string;
}

/** Maps the preset flags to library options, one to one. */
export function presetOptionsFromFlags(flags: PresetFlags): PresetOptions {
  return {
    sock: flags.sock,
    cmd: flags.cmd,
    attach: flags.attach,
    keep: flags.keep,
    startTimeout: flags.startTimeout,
    localPort: flags.localPort,
    port: flags.port,
    remotePort: flags.remotePort,
    launch: flags.launch,
  };
}
