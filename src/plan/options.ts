import type { TunnelSpec } from '../model/types.js';

/**
 * Options every ssh the tool starts gets. -v is how readiness and failures are read
 * from OpenSSH itself; ControlPath=none keeps the process the owner of its forwards
 * (through someone else's master they would outlive teardown).
 */
export function baseSshOptions(spec: TunnelSpec): string[] {
  const options = [
    'ExitOnForwardFailure=yes',
    `ServerAliveInterval=${spec.keepalive.interval}`,
    `ServerAliveCountMax=${spec.keepalive.count}`,
    `ConnectTimeout=${spec.connectTimeout}`,
    'StreamLocalBindUnlink=yes',
    'ControlMaster=no',
    'ControlPath=none',
  ];
  if (spec.batchMode) options.push('BatchMode=yes');
  return options.flatMap((option) => ['-o', option]);
}

/** `-F FILE` when the user named a config file. */
export function configArgs(spec: TunnelSpec): string[] {
  return spec.sshConfig === undefined ? [] : ['-F', spec.sshConfig];
}
