import { destinationOf } from '../plan/destination.js';
import { resolveHostConfig } from '../ssh/ssh-g.js';
import type { TunnelSpec } from '../model/types.js';
import { pickTargetSettings, type TargetSettings } from './target.js';

/**
 * Asks OpenSSH what the target resolves to, twice: with the user's config and with none
 * (`-F none`), so only settings the config actually changed are copied into the entry.
 * The port is not passed (ssh -G takes no -p here): an explicit hop port overrides, as -p does.
 */
export async function resolveTarget(spec: TunnelSpec): Promise<TargetSettings> {
  const destination = destinationOf(spec.to);
  const [resolved, defaults] = await Promise.all([
    resolveHostConfig(destination, { sshConfig: spec.sshConfig }),
    resolveHostConfig(destination, { sshConfig: 'none' }),
  ]);
  return pickTargetSettings(spec.to, resolved, defaults);
}
