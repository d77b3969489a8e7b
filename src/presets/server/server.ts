import { parsePort } from '../../model/tokens.js';
import { parseInteger } from '../../model/tunnel.js';
import { checkSocketPath } from '../../model/socket-path.js';
import type { TunnelOptions } from '../../model/types.js';
import { badOption, tunnelPart, type PresetInput } from '../options.js';
import { planRemoteCommand, remoteTargetOf, type RemoteTarget } from '../remote.js';
import {
  commandFromArgv,
  commandFromUser,
  launchScript,
  runDir,
  stopScript,
  usesPlaceholder,
  waitScript,
} from './server-scripts.js';
import type { ServerMatch } from './server-info.js';
import type { ServerPreset } from '../types.js';

/** Everything a server preset will run, decided up front. Pure apart from the ids passed in. */
export interface ServerPlan {
  preset: ServerPreset;
  target: RemoteTarget;
  tunnelOptions: TunnelOptions;
  mode: 'socket' | 'port';
  /** Launched servers only: the private directory on the target. */
  dir: string | undefined;
  /** Socket mode: where the server listens; attach-by-port: the port. */
  match: ServerMatch | undefined;
  localPort: number;
  launch: string[] | undefined;
  /** Undefined in port mode until the launch reports the port (see planPortWait). */
  wait: string[] | undefined;
  stop: string[] | undefined;
  startTimeoutSeconds: number;
  keep: boolean;
}

/** Decides paths, commands and timeouts for a server preset. */
export function planServer(
  preset: ServerPreset,
  input: PresetInput,
  ids: { runId: string; localPort: number },
): ServerPlan {
  const { server } = preset;
  const target = remoteTargetOf(input);
  const startTimeoutSeconds = parseInteger(input.startTimeout, '--start-timeout', server.startTimeoutSeconds, 1, 3600);
  const tunnelOptions = tunnelPart(input);
  const base = {
    preset,
    target,
    tunnelOptions,
    localPort: ids.localPort,
    startTimeoutSeconds,
    keep: input.keep === true,
  };
  if (input.attach !== undefined) {
    const match = parseAttach(input.attach);
    const wait = waitScript({
      list: server.list,
      socket: 'socket' in match ? match.socket : undefined,
      match: matchText(match),
      timeoutSeconds: Math.min(startTimeoutSeconds, 15),
    });
    return {
      ...base,
      mode: 'socket' in match ? 'socket' : 'port',
      dir: undefined,
      match,
      launch: undefined,
      wait: planRemoteCommand(target, wait),
      stop: undefined,
      keep: true,
    };
  }
  const mode = input.sock === true ? 'socket' : 'port';
  const dir = runDir(server.socketDir, preset.name, ids.runId);
  const socket = mode === 'socket' ? checkSocketPath(`${dir}/${server.socketFile}`, 'server.socketDir') : undefined;
  const command = input.cmd === undefined ? commandFromArgv(server.command[mode]) : userCommand(input.cmd, mode);
  const launch = launchScript({ dir, socket, freePort: mode === 'port' ? server.freePort : undefined, command });
  // Port mode learns its port from the launch; its wait command is planned then.
  const match: ServerMatch | undefined = socket === undefined ? undefined : { socket };
  return {
    ...base,
    mode,
    dir,
    match,
    launch: planRemoteCommand(target, launch),
    wait:
      match === undefined
        ? undefined
        : planRemoteCommand(
            target,
            waitScript({
              dir,
              socket,
              list: server.list,
              match: matchText(match),
              timeoutSeconds: startTimeoutSeconds,
            }),
          ),
    stop: planRemoteCommand(target, stopScript(dir)),
  };
}

/** The wait command once the launch has told us the port (port mode). */
export function planPortWait(plan: ServerPlan, port: number): string[] {
  const script = waitScript({
    dir: plan.dir,
    list: plan.preset.server.list,
    match: matchText({ port }),
    timeoutSeconds: plan.startTimeoutSeconds,
  });
  return planRemoteCommand(plan.target, script);
}

/** Text the JSON list shows once our server is in it (the exact match is checked on the parsed JSON). */
export function matchText(match: ServerMatch): string {
  return 'socket' in match ? JSON.stringify(match.socket).slice(1, -1) : `"port": ${match.port},`;
}

function parseAttach(value: string): ServerMatch {
  if (value.includes('/')) return { socket: checkSocketPath(value, '--attach') };
  return { port: parsePort(value, '--attach') };
}

function userCommand(cmd: string, mode: 'socket' | 'port'): string {
  const needed = mode === 'socket' ? 'socket' : 'port';
  if (!usesPlaceholder(cmd, needed)) {
    throw badOption(
      '--cmd',
      `--cmd must contain {${needed}} where the server's ${needed} goes (e.g. --${needed === 'socket' ? 'sock' : 'port'} {${needed}})`,
    );
  }
  if (/[\n!]/.test(cmd))
    throw badOption('--cmd', "--cmd may not contain '!' or a newline (they do not survive every login shell)");
  return commandFromUser(cmd);
}

/** The -L from the local port to the server's socket or port on the target. */
export function tunnelOptionsFor(plan: ServerPlan, match: ServerMatch): TunnelOptions {
  const target = 'socket' in match ? match.socket : `127.0.0.1:${match.port}`;
  return { ...plan.tunnelOptions, local: [`${plan.localPort}:${target}`] };
}
