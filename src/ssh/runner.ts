import { spawnSsh, type SpawnSsh } from './process.js';
import { runSsh, type RunSsh } from './run.js';

/**
 * Every ssh a tunnel starts goes through one of these two: `run` for commands that finish (a
 * one-shot remote command, `-O forward`, a ControlMaster start), `spawn` for the long-lived ones.
 * Hand one to up(), start() or stop() to see (or fake) each of them.
 */
export interface SshRunner {
  run: RunSsh;
  spawn: SpawnSsh;
}

/**
 * The one place the system's OpenSSH becomes the default: entry points call this once with what
 * the caller handed them, and pass the result down; nothing below reaches for runSsh itself.
 */
export function sshRunner(given: Partial<SshRunner> | undefined = undefined): SshRunner {
  return { run: given?.run ?? runSsh, spawn: given?.spawn ?? spawnSsh };
}
