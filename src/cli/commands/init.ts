import { join } from 'node:path';
import type { Command } from 'commander';
import { APPS } from '../../init/answers.js';
import type { InitFlags } from '../../init/from-flags.js';
import type { SetExit } from './index.js';

export function registerInit(program: Command, setExit: SetExit): void {
  program
    .command('init')
    .description('set up tunnel for your cluster: asks (or takes flags), checks each answer with your own ssh, saves a profile, offers ssh_config entries')
    .option('--login <[user@]host[:port]>', 'the login node (an ssh alias works too)')
    .option('--name <name>', 'a short name for the cluster: the ssh_config Host alias and the saved tunnels\' prefix (default: from the host)')
    .option('--isolated', 'compute nodes are reachable only through the login node')
    .option('--no-isolated', 'compute nodes are not isolated (tunnels end on the login node)')
    .option('--node <name>', 'an example compute node, as the login node knows it (implies --isolated)')
    .option('--node-pattern <pattern>', 'ssh_config Host pattern for the compute nodes (default: from --node, e.g. node*)')
    .option('--apps <list>', `apps you use, comma-separated: ${APPS.join(', ')} (or none)`)
    .option('--write-config', 'write the ssh_config entries (~/.ssh/config.d/tunnel.conf, included from ~/.ssh/config)')
    .option('--no-write-config', 'do not write ssh_config entries')
    .option('-F, --ssh-config <file>', 'read this ssh_config instead of ~/.ssh/config (passed to ssh as -F)')
    .option('--ssh-dir <dir>', 'the ssh directory to write entries into (default ~/.ssh)')
    .option('-y, --yes', 'ask nothing: take the default for every question not given as a flag (never writes ssh_config without --write-config)')
    .option('--json', 'ask nothing; print one JSON object')
    .action(async (flags: InitFlags) => setExit(await (await import('../actions/init.js')).runInitCommand(flags)));
}
