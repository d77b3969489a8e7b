import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { renderPresetConfig } from '../../presets/index.js';
import { TunnelError } from '../../errors.js';
import { parseTunnelSpec } from '../../spec/tunnel.js';
import { renderLineDiff } from '../../sshconfig/diff.js';
import { removeEntries, writeEntries, type FileChange, type InstallResult } from '../../sshconfig/install.js';
import { controlPathFor, layoutFor } from '../../sshconfig/paths.js';
import { renderHostEntry } from '../../sshconfig/render.js';
import { resolveTarget } from '../../sshconfig/resolve-target.js';
import { addTunnelFlags, tunnelOptionsFromFlags, type TunnelFlags } from '../tunnel-flags.js';
export interface ConfigFlags extends TunnelFlags {
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
    if (stray !== undefined) throw new TunnelError('BAD_OPTION', `--${stray} goes with --pvsc --slurm`, { field: `--${stray}` });
    return undefined;
  }
  if (flags.partition === undefined) throw new TunnelError('BAD_OPTION', '--slurm: name the partition the Connect dialog proposes with --partition NAME (sinfo lists them)', { field: '--partition' });
  return { partition: flags.partition, walltime: flags.walltime, nodes: flags.nodes };
}

/** `tunnel config paraview --pvsc`: ParaView's Connect dialog then runs `tunnel up paraview ...` itself. */
export async function runPvsc(name: string | undefined, flags: ConfigFlags): Promise<number> {
  if (name !== 'paraview') throw new TunnelError('BAD_OPTION', `--pvsc is for the paraview preset: tunnel config paraview --pvsc --via LOGIN`, { field: '--pvsc' });
  const text = await renderPresetConfig('paraview', {
    name: flags.name ?? 'tunnel-paraview',
    via: flags.via ?? [],
    to: flags.to,
    port: flags.port,
    launch: flags.launch,
    sshConfig: flags.sshConfig === undefined ? undefined : resolve(flags.sshConfig),
    exec: process.argv[1] === undefined ? undefined : resolve(process.argv[1]),
    slurm: pvscSlurm(flags),
  });
  const file = typeof flags.pvsc === 'string' ? flags.pvsc : 'tunnel-paraview.pvsc';
  await writeFile(file, text, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') throw new TunnelError('BAD_OPTION', `${file} exists; remove it or name another file: --pvsc FILE`, { field: '--pvsc' });
    throw error;
  });
  print(flags, { name: 'paraview', action: 'pvsc', file: resolve(file) }, () => `wrote ${resolve(file)}: in ParaView, File > Connect > Load Servers, pick it, then Connect`);
  return 0;
}

export async function runConfig(name: string | undefined, flags: ConfigFlags): Promise<number> {
  const alias = flags.hostAlias ?? name ?? flags.name;
  if (alias === undefined) {
    throw new TunnelError('BAD_OPTION', 'config: name the Host entry: tunnel config NAME (or --host-alias NAME)', { field: '--host-alias' });
  }
  const layout = layoutFor(flags.sshDir);
  if (flags.remove) {
    const result = await removeEntries({ sshDir: layout.sshDir, names: [alias] });
    print(flags, { name: alias, action: 'remove', ...summary(result) }, () => describe(result, alias, 'removed'));
    return 0;
  }
  const spec = parseTunnelSpec(tunnelOptionsFromFlags(flags));
  const text = renderHostEntry({
    name: alias,
    spec,
    target: await resolveTarget(spec),
    controlMaster: flags.controlMaster === true,
    controlPath: controlPathFor(layout),
  });
  if (!flags.write) {
    print(flags, { name: alias, action: 'print', text }, () => text.trimEnd());
    return 0;
  }
  const result = await writeEntries({ sshDir: layout.sshDir, entries: [{ name: alias, text }] });
  print(flags, { name: alias, action: 'write', text, ...summary(result) }, () => `${describe(result, alias, 'wrote')}\nStart it with: ssh -N ${alias}`);
  return 0;
}

function print(flags: ConfigFlags, json: Record<string, unknown>, human: () => string): void {
  process.stdout.write(`${flags.json ? JSON.stringify(json) : human()}\n`);
}

/** The --json contract: changed, and per file its path, whether it changed and its backup. */
function summary(result: InstallResult): Record<string, unknown> {
  const file = (f: FileChange) => ({ path: f.path, changed: f.changed, backup: f.backup ?? null });
  return { changed: result.changed, files: [file(result.tunnelConf), file(result.mainConfig)] };
}

function describe(result: InstallResult, alias: string, verb: string): string {
  if (!result.changed) return `unchanged: Host ${alias} in ${result.tunnelConf.path}`;
  const lines = [`${verb} Host ${alias} in ${result.tunnelConf.path}`];
  for (const file of [result.tunnelConf, result.mainConfig]) {
    if (!file.changed) continue;
    lines.push(...renderLineDiff(file.before ?? '', file.after, file.path));
    if (file.backup !== undefined) lines.push(`(previous ${file.path} saved as ${file.backup})`);
  }
  return lines.join('\n');
}
