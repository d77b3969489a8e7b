import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { SshConfigChange, SshConfigFile } from '../../api/ssh-config.js';
import { TunnelError } from '../../errors.js';
import type { SetExit } from '../set-exit.js';
import { addTunnelFlags, tunnelOptionsFromFlags, type TunnelFlags } from '../tunnel-flags.js';

interface ConfigFlags extends TunnelFlags {
  hostAlias?: string;
  controlMaster?: boolean;
  write?: boolean;
  remove?: boolean;
  sshDir?: string;
  json?: boolean;
  pvsc?: string | boolean;
  port?: string;
  launch?: string;
  slurm?: boolean;
  partition?: string;
  walltime?: string;
  nodes?: string;
}

/** --slurm and its dialog defaults; those defaults alone are a mistake worth naming. */
function pvscSlurm(flags: ConfigFlags): { partition: string; walltime?: string; nodes?: string } | undefined {
  if (flags.slurm !== true) {
    const stray = (['partition', 'walltime', 'nodes'] as const).find((key) => flags[key] !== undefined);
    if (stray !== undefined)
      throw new TunnelError('BAD_OPTION', `--${stray} goes with --pvsc --slurm`, { field: `--${stray}` });
    return undefined;
  }
  if (flags.partition === undefined)
    throw new TunnelError(
      'BAD_OPTION',
      '--slurm: name the partition the Connect dialog proposes with --partition NAME (sinfo lists them)',
      { field: '--partition' },
    );
  return { partition: flags.partition, walltime: flags.walltime, nodes: flags.nodes };
}

export function registerConfig(program: Command, setExit: SetExit): void {
  addTunnelFlags(
    program
      .command('config')
      .argument('[name]', 'the Host alias (default: --host-alias, then --name)')
      .description(
        'print (or --write into ~/.ssh/config.d/tunnel.conf) a Host entry so plain `ssh -N NAME` builds the tunnel',
      ),
  )
    .option('--host-alias <name>', 'the Host alias to write (default: NAME, then --name)')
    .option('--control-master', 'add ControlMaster auto, ControlPath ~/.ssh/cm-%C, ControlPersist 10m')
    .option('--write', 'install the entry (replacing one of the same name) and print what changed')
    .option('--remove', 'take the entry named NAME out of tunnel.conf')
    .option('--ssh-dir <dir>', 'the ssh directory to install into (default ~/.ssh)')
    .option('--json', 'print one JSON object')
    .option(
      '--pvsc [file]',
      'with NAME paraview: write a ParaView server configuration whose Connect starts the tunnel (default file: tunnel-paraview.pvsc)',
    )
    .option('--port <port>', 'with --pvsc: the port the ParaView client listens on (default 11111)')
    .option('--launch <command>', 'with --pvsc: how pvserver is started on the cluster (default: pvserver)')
    .option(
      '--slurm',
      "with --pvsc: pvserver runs in a Slurm job; ParaView's Connect dialog asks for walltime, partition and nodes",
    )
    .option('--partition <name>', 'with --pvsc --slurm: the partition the dialog proposes (required)')
    .option('--walltime <minutes>', 'with --pvsc --slurm: the walltime the dialog proposes (default 60)')
    .option('--nodes <n>', 'with --pvsc --slurm: the node count the dialog proposes (default 1)')
    .action(async (name: string | undefined, flags: ConfigFlags) =>
      setExit(flags.pvsc === undefined ? await runConfig(name, flags) : await runPvsc(name, flags)),
    );
}

async function runConfig(name: string | undefined, flags: ConfigFlags): Promise<number> {
  const alias = flags.hostAlias ?? name ?? flags.name;
  if (alias === undefined) {
    throw new TunnelError('BAD_OPTION', 'config: name the Host entry: tunnel config NAME (or --host-alias NAME)', {
      field: '--host-alias',
    });
  }
  const { removeSshConfig, renderSshConfig, writeSshConfig } = await import('../../api/ssh-config.js');
  if (flags.remove) {
    const change = await removeSshConfig({ aliases: alias, sshDir: flags.sshDir });
    print(flags, { name: alias, action: 'remove', ...summary(change) }, () => describe(change, alias, 'removed'));
    return 0;
  }
  const entry = {
    alias,
    tunnel: tunnelOptionsFromFlags(flags),
    controlMaster: flags.controlMaster === true,
    sshDir: flags.sshDir,
  };
  if (!flags.write) {
    const text = await renderSshConfig(entry);
    print(flags, { name: alias, action: 'print', text }, () => text.trimEnd());
    return 0;
  }
  const { text, ...change } = await writeSshConfig(entry);
  print(
    flags,
    { name: alias, action: 'write', text, ...summary(change) },
    () => `${describe(change, alias, 'wrote')}\nStart it with: ssh -N ${alias}`,
  );
  return 0;
}

/** `tunnel config paraview --pvsc`: ParaView's Connect dialog then runs `tunnel up paraview ...` itself. */
async function runPvsc(name: string | undefined, flags: ConfigFlags): Promise<number> {
  if (name !== 'paraview')
    throw new TunnelError(
      'BAD_OPTION',
      `--pvsc is for the paraview preset: tunnel config paraview --pvsc --via LOGIN`,
      { field: '--pvsc' },
    );
  const { renderPresetConfig } = await import('../../api/apps.js');
  const text = await renderPresetConfig('paraview', {
    name: flags.name ?? 'tunnel-paraview',
    via: flags.via ?? [],
    to: flags.to,
    port: flags.port,
    launch: flags.launch,
    slurm: pvscSlurm(flags),
    sshConfig: flags.sshConfig === undefined ? undefined : resolve(flags.sshConfig),
    exec: process.argv[1] === undefined ? undefined : resolve(process.argv[1]),
  });
  const file = typeof flags.pvsc === 'string' ? flags.pvsc : 'tunnel-paraview.pvsc';
  await writeFile(file, text, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST')
      throw new TunnelError('BAD_OPTION', `${file} exists; remove it or name another file: --pvsc FILE`, {
        field: '--pvsc',
      });
    throw error;
  });
  print(
    flags,
    { name: 'paraview', action: 'pvsc', file: resolve(file) },
    () => `wrote ${resolve(file)}: in ParaView, File > Connect > Load Servers, pick it, then Connect`,
  );
  return 0;
}

function print(flags: ConfigFlags, json: Record<string, unknown>, human: () => string): void {
  process.stdout.write(`${flags.json ? JSON.stringify(json) : human()}\n`);
}

/** The --json contract: changed, and per file its path, whether it changed and its backup. */
function summary(change: SshConfigChange): Record<string, unknown> {
  const file = (f: SshConfigFile) => ({ path: f.path, changed: f.changed, backup: f.backup ?? null });
  return { changed: change.changed, files: [file(change.tunnelConf), file(change.mainConfig)] };
}

function describe(change: SshConfigChange, alias: string, verb: string): string {
  if (!change.changed) return `unchanged: Host ${alias} in ${change.tunnelConf.path}`;
  const lines = [`${verb} Host ${alias} in ${change.tunnelConf.path}`];
  for (const file of [change.tunnelConf, change.mainConfig]) {
    if (!file.changed) continue;
    lines.push(...file.diff);
    if (file.backup !== undefined) lines.push(`(previous ${file.path} saved as ${file.backup})`);
  }
  return lines.join('\n');
}
