import { REMOTE_START_TIME_FN } from '../plan/remote-shell.js';
import { shJoin, shQuote } from '../plan/quote.js';

/*
 * The /bin/sh scripts that start and stop work_queue_factory on the login node. Like the server
 * presets' (presets/server/server-scripts.ts): one line joined with '; ', no '!', every value
 * shQuote'd; the pid is kept with its start time so a stop never signals a recycled pid.
 */

/** Where a factory's files live on the login node: a private directory under ~/.tunnel. */
export function factoryDirScript(dirName: string): string {
  return `d="$HOME"/.tunnel/wq-factory/${shQuote(dirName)}`;
}

/** `st PID` prints the process's start time (clock ticks from /proc; ps's lstart elsewhere). */
export interface LaunchFactoryInput {
  dirName: string;
  /** Factory arguments after `-S DIR/scratch --wrapper DIR/wrapper.sh`, ending with `localhost PORT`. */
  args: readonly string[];
  /** Seconds it must stay up to count as started (default 1: long enough for a bad option or an unreachable manager). */
  settleSeconds?: number;
}

/**
 * Writes the wrapper (read from stdin) into a new private directory and starts the factory there
 * detached (setsid + nohup), so it outlives this ssh. Prints `tunnel-launched pid=N`, or exits
 * non-zero with the reason (and the factory log's tail) when it is missing or ends at once.
 */
export function launchFactoryScript(input: LaunchFactoryInput): string {
  return [
    'umask 077',
    'command -v work_queue_factory >/dev/null 2>&1 || { echo "tunnel: work_queue_factory is not on the PATH of the login node (install cctools there)" >&2; exit 96; }',
    'mkdir -p "$HOME"/.tunnel/wq-factory',
    factoryDirScript(input.dirName),
    'mkdir -m 700 "$d" "$d/scratch" || { echo "tunnel: cannot create the private directory $d" >&2; exit 97; }',
    'cat >"$d/wrapper.sh" && chmod 700 "$d/wrapper.sh" || { rm -rf -- "$d"; exit 97; }',
    'cd "$d/scratch" || exit 97',
    's=; if command -v setsid >/dev/null 2>&1; then s=setsid; fi',
    `$s nohup work_queue_factory -S "$d/scratch" --wrapper "$d/wrapper.sh" -o "$d/debug.log" ${shJoin(input.args)} >"$d/factory.log" 2>&1 </dev/null & p=$!`,
    'echo "$p" >"$d/pid"',
    `${REMOTE_START_TIME_FN}; st "$p" >"$d/pid.start"`,
    // A bad option or an unreachable manager ends it within a second; say so rather than record a dead factory.
    `sleep ${Math.max(1, Math.trunc(input.settleSeconds ?? 1))}`,
    'if kill -0 "$p" 2>/dev/null; then echo "tunnel-launched pid=$p"; else echo "tunnel: work_queue_factory ended at once: $(tail -n 3 "$d/factory.log" | tr -s \'\\n\' \' \')" >&2; rm -rf -- "$d"; exit 95; fi',
  ].join('; ');
}

/** How long the factory gets to scancel its workers after SIGTERM before it is killed. */
const STOP_GRACE_TENTHS = 200;

/**
 * Stops the factory (SIGTERM: it scancels its own workers), KILLs it after 20 s (within the 30 s down gives the ssh), then scancels any
 * job still running from its scratch directory (a killed factory cancels nothing), and removes
 * the directory. Exit 0 once nothing of it is left.
 */
export function stopFactoryScript(dirName: string): string {
  return [
    factoryDirScript(dirName),
    'p=$(cat "$d/pid" 2>/dev/null)',
    's=$(cat "$d/pid.start" 2>/dev/null)',
    REMOTE_START_TIME_FN,
    'case "$p" in [1-9]*) [ -n "$s" ] && [ "$(st "$p")" = "$s" ] || p=;; *) p=;; esac',
    `case "$p" in [1-9]*) kill -TERM "$p" 2>/dev/null; i=0; while kill -0 "$p" 2>/dev/null; do i=$((i+1)); if [ "$i" -gt ${STOP_GRACE_TENTHS} ]; then kill -KILL "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null; break; fi; sleep 0.1; done;; esac`,
    `for j in $(squeue -h -u "$(id -un)" -o '%i|%Z' 2>/dev/null | awk -F'|' -v w="$d/scratch" '$2 == w { print $1 }'); do scancel "$j"; done`,
    'rm -rf -- "$d"',
    'echo tunnel-stopped',
  ].join('; ');
}
