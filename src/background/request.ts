import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionRequest } from '../session/types.js';
import type { RunOptions } from '../supervise/defaults.js';
import { writeFileAtomic } from '../os/atomic.js';
import { tunnelDir } from '../os/state-paths.js';

/** What start() hands the detached supervisor: a validated session request and how to run it, as given. */
export interface SuperviseRequest {
  session: SessionRequest;
  /** Only what the caller set (JSON: a retry-forever maxRetries is left out); defaults are the supervisor's up()'s. */
  run: Pick<RunOptions, 'readyTimeoutMs' | 'maxRetries' | 'reconnect' | 'healthIntervalMs'>;
}

const REQUEST_FILE = 'request.json';

export async function writeRequest(name: string, request: SuperviseRequest, home?: string): Promise<void> {
  await writeFileAtomic(join(tunnelDir(name, home), REQUEST_FILE), JSON.stringify(request));
}

export async function readRequest(name: string, home?: string): Promise<SuperviseRequest> {
  return JSON.parse(await readFile(join(tunnelDir(name, home), REQUEST_FILE), 'utf8')) as SuperviseRequest;
}

export const lockPath = (name: string, home?: string) => join(tunnelDir(name, home), 'supervisor.lock');
export const requestPath = (name: string, home?: string) => join(tunnelDir(name, home), REQUEST_FILE);
export const logPath = (name: string, home?: string) => join(tunnelDir(name, home), 'log');
