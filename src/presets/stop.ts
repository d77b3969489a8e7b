import { TunnelError } from '../errors.js';
import type { RunSsh } from '../ssh/run.js';
import { sshRunner } from '../ssh/runner.js';
import { planRemoteCommand, remoteTargetOf } from './remote.js';
import { stopScript } from './server/server-scripts.js';
import type { PresetState } from './session.js';

/**
 * Stops a launched app from its saved state (e.g. `tunnel down NAME` in another process):
 * the server's process group, then its private directory and socket. A no-op for apps
 * that were attached to, kept (--keep), or never launched anything.
 */
export async function stopPresetApp(
  state: PresetState,
  options: { runRemote?: RunSsh | undefined; force?: boolean } = {},
): Promise<boolean> {
  if (state.dir === undefined || state.pid === undefined) return false;
  if (state.keep && options.force !== true) return false;
  const target = remoteTargetOf({ via: state.via, to: state.to, sshConfig: state.sshConfig });
  const argv = planRemoteCommand(target, stopScript(state.dir));
  const result = await sshRunner({ run: options.runRemote }).run(argv, { timeoutMs: 30_000 });
  if (result.exitCode !== 0) {
    throw new TunnelError(
      'SSH_EXITED',
      `could not stop the ${state.preset} app on ${state.to}: ${result.stderr.trim().split('\n').pop() ?? `exit ${result.exitCode}`}`,
      { argv, exitCode: result.exitCode },
    );
  }
  return true;
}
