import { TunnelError } from '../errors.js';
import type { TunnelOptions } from '../model/types.js';
import type { Preset } from './types.js';

/** Options only presets take, on top of the tunnel's own (--via, --to, -F, --name, ...). */
export interface PresetOptions {
  /** server: listen on a Unix socket on the target instead of a port. */
  sock?: boolean | undefined;
  /** server: the command that starts the server ({socket} / {port} filled in). */
  cmd?: string | undefined;
  /** server: use a running server at this socket path or port instead of launching one. */
  attach?: string | undefined;
  /** server: leave the launched server running when the tunnel goes down. */
  keep?: boolean | undefined;
  /** server: seconds to wait for the server to answer (default from the preset). */
  startTimeout?: number | string | undefined;
  /** server: local port for the browser (default: a free one). */
  localPort?: number | string | undefined;
  /** reverse: the local port of the service (default from the preset). */
  port?: number | string | undefined;
  /** reverse: listen port on the target (default from the preset; 0 = the server picks). */
  remotePort?: number | string | undefined;
  /** reverse: run the preset's remote command on the target with this command ({port} = the listener). */
  launch?: string | undefined;
}

export type PresetInput = TunnelOptions & PresetOptions;

const SERVER_ONLY = ['sock', 'cmd', 'attach', 'keep', 'startTimeout', 'localPort'] as const;
const REVERSE_ONLY = ['port', 'remotePort', 'launch'] as const;
const FLAG: Record<string, string> = {
  sock: '--sock',
  cmd: '--cmd',
  attach: '--attach',
  keep: '--keep',
  startTimeout: '--start-timeout',
  localPort: '--local-port',
  port: '--port',
  remotePort: '--remote-port',
  launch: '--launch',
};

/** Rejects options that mean nothing for this preset, so a typo'd intent fails loudly. */
export function checkPresetOptions(preset: Preset, input: PresetInput): void {
  if ((input.local?.length ?? 0) > 0 || (input.remote?.length ?? 0) > 0) {
    throw badOption(
      input.local?.length ? '-L' : '-R',
      `-L/-R cannot be combined with the '${preset.name}' preset; it builds its own forwards`,
    );
  }
  const foreign = preset.kind === 'server' ? REVERSE_ONLY : SERVER_ONLY;
  for (const key of foreign) {
    if (input[key] !== undefined && input[key] !== false) {
      throw badOption(FLAG[key]!, `${FLAG[key]!} does not apply to the '${preset.name}' preset (see 'tunnel apps')`);
    }
  }
  if (preset.kind === 'reverse' && input.launch !== undefined && preset.reverse.remoteCommand === undefined) {
    throw badOption('--launch', `--launch: the '${preset.name}' preset has no remote command to launch`);
  }
  if (preset.kind === 'server' && input.attach !== undefined) {
    if (input.cmd !== undefined)
      throw badOption('--attach', '--attach uses a running server; it cannot be combined with --cmd');
    if (input.sock === true && !input.attach.includes('/'))
      throw badOption(
        '--attach',
        `--attach '${input.attach}' is a port, but --sock asks for a socket; pass the socket path`,
      );
  }
}

export function badOption(field: string, message: string): TunnelError {
  return new TunnelError('BAD_OPTION', message, { field });
}

/** The tunnel's own options out of a preset input (preset-only keys dropped). */
export function tunnelPart(input: PresetInput): TunnelOptions {
  return {
    name: input.name,
    via: input.via,
    to: input.to,
    strategy: input.strategy,
    keepalive: input.keepalive,
    keepaliveCount: input.keepaliveCount,
    connectTimeout: input.connectTimeout,
    sshConfig: input.sshConfig,
    batchMode: input.batchMode,
    multiplex: input.multiplex,
  };
}
