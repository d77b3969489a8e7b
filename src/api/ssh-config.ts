import { toSpec } from '../supervise/up.js';
import type { TunnelOptions, TunnelSpec } from '../model/types.js';
import { renderLineDiff } from '../sshconfig/diff.js';
import type { FileChange, InstallResult } from '../sshconfig/install.js';
import { controlPathFor, layoutFor } from '../sshconfig/paths.js';
import { renderHostEntry } from '../sshconfig/render.js';
import { resolveTarget } from '../sshconfig/resolve-target.js';
import { checkBoolean, checkName, checkOptions } from './validate.js';

export interface SshConfigOptions {
  /** The Host alias: plain `ssh -N ALIAS` then builds the tunnel. */
  alias: string;
  /** The tunnel, as up() takes it (jump strategy: ssh_config has no relay). */
  tunnel: TunnelOptions | TunnelSpec;
  /** Add ControlMaster auto, ControlPath and ControlPersist 10m, so later ssh to ALIAS reuse the connection. */
  controlMaster?: boolean;
  /** The ssh directory the entry is for (default ~/.ssh): it decides the ControlPath and where writeSshConfig() installs. */
  sshDir?: string;
}

/** One file tunnel considered changing, with a unified diff of what changed (empty when nothing did). */
export type SshConfigFile = FileChange & { diff: string[] };

export interface SshConfigChange {
  changed: boolean;
  /** <sshDir>/config.d/tunnel.conf, the one file tunnel owns. */
  tunnelConf: SshConfigFile;
  /** <sshDir>/config, which gets one Include line and nothing else. */
  mainConfig: SshConfigFile;
}

/**
 * The `Host ALIAS` block (what `tunnel config ALIAS` prints). Asks OpenSSH (ssh -G) what the
 * target resolves to, so the entry holds what the user's config says about it; writes nothing.
 */
export async function renderSshConfig(options: SshConfigOptions): Promise<string> {
  const { alias, tunnel, controlMaster, sshDir } = checkOptions(options, 'renderSshConfig');
  const layout = layoutFor(sshDir);
  const spec = toSpec(checkOptions(tunnel, 'renderSshConfig: tunnel'));
  const name = checkName(alias, '--host-alias');
  const withMaster = checkBoolean(controlMaster, 'controlMaster') === true;
  return renderHostEntry({
    name,
    spec,
    target: await resolveTarget(spec),
    controlMaster: withMaster,
    controlPath: controlPathFor(layout),
  });
}

/**
 * Installs the entry into <sshDir>/config.d/tunnel.conf (replacing one of the same alias) and
 * makes <sshDir>/config include that file; both atomically, checked with ssh -G, old files backed up.
 */
export async function writeSshConfig(options: SshConfigOptions): Promise<SshConfigChange & { text: string }> {
  const text = await renderSshConfig(options);
  const { writeEntries } = await import('../sshconfig/install.js');
  return {
    text,
    ...describeChange(await writeEntries({ sshDir: options.sshDir, entries: [{ name: options.alias, text }] })),
  };
}

/** Takes the entries named `aliases` out of tunnel.conf (what `tunnel config NAME --remove` does). */
export async function removeSshConfig(options: {
  aliases: string | readonly string[];
  sshDir?: string;
}): Promise<SshConfigChange> {
  const { aliases, sshDir } = checkOptions(options, 'removeSshConfig');
  const names = (typeof aliases === 'string' ? [aliases] : aliases).map((alias) => checkName(alias, '--host-alias'));
  const { removeEntries } = await import('../sshconfig/install.js');
  return describeChange(await removeEntries({ sshDir: layoutFor(sshDir).sshDir, names }));
}

function describeChange(result: InstallResult): SshConfigChange {
  return { changed: result.changed, tunnelConf: withDiff(result.tunnelConf), mainConfig: withDiff(result.mainConfig) };
}

function withDiff(file: FileChange): SshConfigFile {
  return { ...file, diff: file.changed ? renderLineDiff(file.before ?? '', file.after, file.path) : [] };
}
