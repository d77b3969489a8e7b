import { readFile, stat } from 'node:fs/promises';
import { listTunnels, truthful, withSubmitted } from '../background/list.js';
import { logPath } from '../background/request.js';
import type { StopResult } from '../background/stop.js';
import { TunnelError } from '../errors.js';
import { readRecord } from '../background/record.js';
import type { BackgroundTunnel } from './start.js';
import { checkName, checkOptions } from './validate.js';

export type { StopResult } from '../background/stop.js';
export type { SubmittedJob } from '../background/list.js';

export interface ListOptions {
  /**
   * Called with the error of each tunnel whose record cannot be read (its ssh may still run);
   * list() then goes on with the others. Without it, list() throws that error: none is left out silently.
   */
  onUnreadable?: (error: unknown) => void;
}

/** Every background tunnel (what `tunnel ls` shows), each state checked against whether its supervisor still lives. */
export async function list(options: ListOptions = {}): Promise<BackgroundTunnel[]> {
  const { onUnreadable } = checkOptions(options, 'list', false);
  return listTunnels(
    onUnreadable ??
      ((error) => {
        throw error;
      }),
  );
}

/** One background tunnel, as `tunnel status NAME` shows it; NOT_FOUND when none has that name. */
export async function status(name: string): Promise<BackgroundTunnel> {
  const record = await readRecord(checkName(name, 'name'));
  if (record === undefined) throw new TunnelError('NOT_FOUND', `no tunnel named '${name}'; see 'tunnel ls'`);
  return withSubmitted(truthful(record));
}

/** Stops a background tunnel and removes every socket and process it left (what `tunnel down NAME` does). */
export async function stop(name: string): Promise<StopResult> {
  const checked = checkName(name, 'name');
  const { stopTunnel } = await import('../background/stop.js');
  return stopTunnel(checked);
}

/** Stops every background tunnel (`tunnel down --all`). */
export async function stopAll(): Promise<StopResult[]> {
  const { stopAll: stopEvery } = await import('../background/stop.js');
  return stopEvery();
}

/** The names of every background tunnel, dead or alive (what `down --all` goes through). */
export async function backgroundNames(): Promise<string[]> {
  const { listTunnelNames } = await import('../background/record.js');
  return listTunnelNames();
}

/** Where a background tunnel's log is (state changes and OpenSSH's messages); NOT_FOUND when it has none. */
export async function logFile(name: string): Promise<string> {
  const path = logPath(checkName(name, 'name'));
  if (
    !(await stat(path).then(
      (s) => s.isFile(),
      () => false,
    ))
  )
    throw new TunnelError('NOT_FOUND', `no log for '${name}'; see 'tunnel ls'`);
  return path;
}

/** A background tunnel's whole log so far, as written (what `tunnel logs NAME` prints). */
export async function logs(name: string): Promise<string> {
  return readFile(await logFile(name), 'utf8');
}

/**
 * Logs in again from this terminal for a background --multiplex tunnel waiting in needs-auth (what
 * `tunnel auth NAME` does) and hands the connection back to its supervisor; resolves once it is up.
 */
export async function authenticate(name: string): Promise<BackgroundTunnel> {
  const { reauthenticate } = await import('../background/auth.js');
  return truthful(await reauthenticate(checkName(name, 'name')));
}
