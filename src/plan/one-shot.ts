import type { Hop } from '../model/types.js';
import { destinationArgs, jumpArgs } from './destination.js';
import { remoteShell } from './remote-shell.js';

/** Where a one-shot command runs: the target, through the hops before it. */
export interface OneShotTarget {
  via: readonly Hop[];
  to: Hop;
  sshConfig: string | undefined;
  connectTimeout: number;
}

export interface OneShotOptions {
  /** BatchMode=yes (the default): a command halfway through a start never waits for a person. */
  batchMode?: boolean;
  /** Ride (or start) this ControlMaster for ControlPersist seconds; without it, a connection of its own. */
  master?: { controlPath: string; persistSeconds: number } | undefined;
  /** -tt: the remote command gets a pty, so it is hung up when this ssh goes away. */
  tty?: boolean;
  /** More `-o` options, after the ones every one-shot gets (doctor's probes). */
  options?: readonly string[];
  /** Words before the destination: forwards a probe asks for (-R, -L, -W). */
  extra?: readonly string[];
}

/**
 * The one builder of a short-lived ssh that runs `script` with /bin/sh on the target, whatever its
 * login shell (or, with `script` undefined, no command: a -W probe). Pure: returns argv.
 */
export function planOneShot(target: OneShotTarget, script: string | undefined, options: OneShotOptions = {}): string[] {
  const master = options.master;
  const connection =
    master === undefined
      ? ['-o', 'ControlMaster=no', '-o', 'ControlPath=none']
      : // auto: the first command authenticates (once, even behind 2FA) and the rest ride along. -S keeps
        // a path with a space one argv word (ssh would split -o ControlPath=...).
        ['-o', 'ControlMaster=auto', '-S', master.controlPath, '-o', `ControlPersist=${master.persistSeconds}`];
  return [
    'ssh',
    options.tty === true ? '-tt' : '-T',
    ...(target.sshConfig === undefined ? [] : ['-F', target.sshConfig]),
    ...(options.batchMode === false ? [] : ['-o', 'BatchMode=yes']),
    '-o',
    `ConnectTimeout=${target.connectTimeout}`,
    ...connection,
    ...(options.tty === true ? ['-e', 'none'] : []),
    ...(options.options ?? []).flatMap((option) => ['-o', option]),
    ...jumpArgs(target.via),
    ...(options.extra ?? []),
    ...destinationArgs(target.to),
    ...(script === undefined ? [] : [remoteShell(script)]),
  ];
}
