import type { Command } from 'commander';
import { addTunnelFlags } from '../tunnel-flags.js';
import type { ConfigFlags } from '../actions/config.js';
import type { SetExit } from './index.js';

export function registerConfig(program: Command, setExit: SetExit): void {
  addTunnelFlags(
    program
      .command('config')
      .argument('[name]', 'the Host alias (default: --host-alias, then --name)')
      .description('print (or --write into ~/.ssh/config.d/tunnel.conf) a Host entry so plain `ssh -N NAME` builds the tunnel'),
  )
    .option('--host-alias <name>', 'the Host alias to write (default: NAME, then --name)')
    .option('--control-master', 'add ControlMaster auto, ControlPath ~/.ssh/cm-%C, ControlPersist 10m')
    .option('--write', 'install the entry (replacing one of the same name) and print what changed')
    .option('--remove', 'take the entry named NAME out of tunnel.conf')
    .option('--ssh-dir <dir>', 'the ssh directory to install into (default ~/.ssh)')
    .option('--json', 'print one JSON object')
    .option('--pvsc [file]', 'with NAME paraview: write a ParaView server configuration whose Connect starts the tunnel (default file: tunnel-paraview.pvsc)')
    .option('--port <port>', 'with --pvsc: the port the ParaView client listens on (default 11111)')
    .option('--launch <command>', 'with --pvsc: how pvserver is started on the cluster (default: pvserver)')
    .option('--slurm', "with --pvsc: pvserver runs in a Slurm job; ParaView's Connect dialog asks for walltime, partition and nodes")
    .option('--partition <name>', 'with --pvsc --slurm: the partition the dialog proposes (required)')
    .option('--walltime <minutes>', 'with --pvsc --slurm: the walltime the dialog proposes (default 60)')
    .option('--nodes <n>', 'with --pvsc --slurm: the node count the dialog proposes (default 1)')
    .action(async (name: string | undefined, flags: ConfigFlags) => setExit(flags.pvsc === undefined ? await (await import('../actions/config.js')).runConfig(name, flags) : await (await import('../actions/config.js')).runPvsc(name, flags)));
}
