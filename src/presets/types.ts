/**
 * The shape of templates/presets/<name>.json. A preset is data: which engine runs it
 * (`kind`) and that engine's parameters. Placeholders in `{braces}` are filled in at run time.
 */
export type Preset = ServerPreset | ReversePreset;

interface PresetBase {
  /** Equals the file name without `.json`; what users type after `tunnel up`. */
  name: string;
  /** One line for `tunnel apps`. */
  description: string;
}

/** Launches a server on the target, then forwards a local port to its socket or port (-L). */
export interface ServerPreset extends PresetBase {
  kind: 'server';
  server: ServerSection;
}

export interface ServerSection {
  /** What people call it in messages, e.g. "Jupyter Notebook". */
  label: string;
  /** argv of the server: `socket` must use {socket}, `port` must use {port}. */
  command: { socket: string[]; port: string[] };
  /** Private per-tunnel directory on the target ({name}, {id}); holds the socket, log and pid. */
  socketDir: string;
  /** Socket file name inside socketDir. */
  socketFile: string;
  /** argv that prints one free TCP port on the target. */
  freePort: string[];
  /** argv that prints the running servers, one JSON object per line, tokens included. */
  list: string[];
  startTimeoutSeconds: number;
  /** Path under the server's base URL that answers 200 only with the right token. */
  healthPath: string;
  /** What the user opens: {localPort}, {baseUrl}, {token}. */
  url: string;
}

/** Publishes a port of this machine on the target's loopback (-R), optionally with extras. */
export interface ReversePreset extends PresetBase {
  kind: 'reverse';
  reverse: ReverseSection;
}

export interface ReverseSection {
  label: string;
  /** Default local port of the service (--port). */
  port: number;
  /** Default listen port on the target (--remote-port); 0 lets the server pick. */
  remotePort: number;
  /** Print the ssh_config entry that reaches the exposed port through the target. */
  sshConfigEntry?: boolean;
  /** Command to run on the target once the listener exists ({remotePort}); --launch runs it. */
  remoteCommand?: string[];
  /** Job script template under templates/ for `tunnel worker`, and the worker argv. */
  worker?: { template: string; command: string[] };
  /** Template under templates/ for `tunnel config <preset>`. */
  configTemplate?: string;
  /** false: never probe the forward (a listener that takes a probe for a failed client, like ParaView's). */
  probe?: boolean;
}
