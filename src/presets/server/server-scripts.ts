import { REMOTE_START_TIME_FN } from '../../plan/remote-shell.js';
import { shJoin, shQuote } from '../../plan/quote.js';
import { fillPlaceholders, placeholdersIn } from '../placeholders.js';

/*
 * Scripts that run on the target under /bin/sh (dash, bash, ...). Each is one line joined
 * with '; ' and contains no '!' so it survives any login shell (csh included) inside the
 * single quotes of `exec /bin/sh -c '...'`. Every value is shQuote'd; values reach the
 * server's own command only as "$TUNNEL_SOCKET" / "$TUNNEL_PORT", never as pasted text.
 */

const VARIABLE: Record<string, string> = { socket: 'TUNNEL_SOCKET', port: 'TUNNEL_PORT' };

/** Renders one argv word: literal parts quoted, {socket}/{port} as double-quoted variables. */
export function renderWord(word: string): string {
  const parts = word.split(/(\{[A-Za-z]+\})/).filter((part) => part !== '');
  if (parts.length === 0) return "''";
  return parts
    .map((part) => {
      const name = /^\{([A-Za-z]+)\}$/.exec(part)?.[1];
      const variable = name === undefined ? undefined : VARIABLE[name];
      return variable === undefined ? shQuote(part) : `"$${variable}"`;
    })
    .join('');
}

/** The server command from a preset argv: `exec` so the recorded pid is the server's own. */
export function commandFromArgv(argv: readonly string[]): string {
  return `exec ${argv.map(renderWord).join(' ')}`;
}

/** A user's --cmd is their own shell code; only {socket}/{port} are replaced, by variables. */
export function commandFromUser(command: string): string {
  return command.replace(/\{(socket|port)\}/g, (_, name: string) => `"$${VARIABLE[name]!}"`);
}

/** True when a --cmd mentions {name}; a socket-mode --cmd without {socket} cannot be reached. */
export function usesPlaceholder(command: string, name: string): boolean {
  return placeholdersIn(command).includes(name);
}

export interface LaunchScriptInput {
  /** Private directory for this run (created here, 0700; fails if it already exists). */
  dir: string;
  /** Socket mode: the socket path inside dir. */
  socket?: string | undefined;
  /** Port mode: argv printing a free port on the target. */
  freePort?: readonly string[] | undefined;
  /** Shell command that starts the server in the foreground (see commandFromArgv/commandFromUser). */
  command: string;
}

/** `st PID` prints the process's start time: clock ticks from /proc on Linux, ps's lstart (to the second) elsewhere. */
/**
 * Starts the server detached (setsid + nohup, stdio to a log) so it outlives this ssh and
 * any tunnel reconnect. Prints `tunnel-launched pid=N port=P`.
 */
export function launchScript(input: LaunchScriptInput): string {
  const lines = [
    'o=$(umask)',
    'umask 077',
    `d=${shQuote(input.dir)}`,
    'mkdir -m 700 "$d" || { echo "tunnel: cannot create the private directory $d" >&2; exit 97; }',
    'TUNNEL_SOCKET=; TUNNEL_PORT=',
  ];
  if (input.socket !== undefined) lines.push(`TUNNEL_SOCKET=${shQuote(input.socket)}`, 'rm -f -- "$TUNNEL_SOCKET"');
  if (input.freePort !== undefined) {
    lines.push(
      `TUNNEL_PORT=$(${shJoin(input.freePort)} 2>"$d/free-port.log")`,
      `case "$TUNNEL_PORT" in [1-9]*) ;; *) echo "tunnel: could not pick a free port with: "${shQuote(shJoin(input.freePort))} >&2; cat "$d/free-port.log" >&2; rm -rf -- "$d"; exit 98;; esac`,
    );
  }
  lines.push(
    'export TUNNEL_SOCKET TUNNEL_PORT',
    's=; if command -v setsid >/dev/null 2>&1; then s=setsid; fi',
    // The directory is 0700 already; the server keeps the user's own umask for the files it writes.
    'umask "$o"',
    `$s nohup /bin/sh -c ${shQuote(input.command)} >"$d/server.log" 2>&1 </dev/null & p=$!`,
    'echo "$p" >"$d/pid"',
    // The start time names the process beyond its pid: stop must never signal a recycled one.
    `${REMOTE_START_TIME_FN}; st "$p" >"$d/pid.start"`,
    'echo "tunnel-launched pid=$p port=$TUNNEL_PORT"',
  );
  return lines.join('; ');
}

export interface WaitScriptInput {
  /** The run's directory (launched servers); absent when attaching to a running one. */
  dir?: string | undefined;
  /** Socket mode: the list is only consulted once this socket exists (listing costs a Python start-up). */
  socket?: string | undefined;
  /** argv that lists running servers as JSON lines. */
  list: readonly string[];
  /** Text that appears in the list once our server is in it. */
  match: string;
  timeoutSeconds: number;
}

/**
 * Polls the server list on the target until our server shows up, the server dies, or the
 * deadline passes; one ssh for the whole wait. Exit 0 prints the list (tokens: keep it out
 * of logs); exit 3 (died) and 4 (timeout) print a marker and the server log's tail.
 */
export function waitScript(input: WaitScriptInput): string {
  const lines: string[] = [];
  if (input.dir !== undefined) lines.push(`d=${shQuote(input.dir)}`);
  lines.push(`m=${shQuote(input.match)}`, `end=$(( $(date +%s) + ${Math.trunc(input.timeoutSeconds)} ))`);
  const alive =
    input.dir === undefined
      ? ''
      : 'if kill -0 "$(cat "$d/pid")" 2>/dev/null; then :; else echo tunnel-server-exited; tail -n 20 "$d/server.log"; exit 3; fi; ';
  const list = `out=$(${shJoin(input.list)} 2>/dev/null); case "$out" in *"$m"*) printf '%s\\n' "$out"; exit 0;; esac`;
  const listWhenReady =
    input.socket === undefined ? `${list}; ` : `if [ -S ${shQuote(input.socket)} ]; then ${list}; fi; `;
  const tail = input.dir === undefined ? '' : ' tail -n 20 "$d/server.log";';
  lines.push(
    `while :; do ${alive}${listWhenReady}if [ "$(date +%s)" -ge "$end" ]; then echo tunnel-server-timeout;${tail} exit 4; fi; sleep 0.${input.socket === undefined ? 5 : 2}; done`,
  );
  return lines.join('; ');
}

/**
 * Stops the server's whole process group (TERM, then KILL after 5 s) and removes the run's
 * directory; only while the pid still has the start time recorded at launch (pids are recycled).
 */
export function stopScript(dir: string): string {
  return [
    `d=${shQuote(dir)}`,
    'p=$(cat "$d/pid" 2>/dev/null)',
    's=$(cat "$d/pid.start" 2>/dev/null)',
    REMOTE_START_TIME_FN,
    'case "$p" in [1-9]*) [ -n "$s" ] && [ "$(st "$p")" = "$s" ] || p=;; *) p=;; esac',
    'case "$p" in [1-9]*) kill -TERM "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null; i=0; ' +
      'while kill -0 "$p" 2>/dev/null; do i=$((i+1)); if [ "$i" -gt 50 ]; then kill -KILL "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null; break; fi; sleep 0.1; done;; esac',
    'rm -rf -- "$d"',
    'echo tunnel-stopped',
  ].join('; ');
}

/** The run's directory from the preset's socketDir template. */
export function runDir(socketDir: string, name: string, id: string): string {
  return fillPlaceholders(socketDir, { name, id });
}
