import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PresetInput } from '../presets/index.js';
import type { ResolvedJob } from '../scheduler/resolve-job.js';
import type { JobInput, JobPlan } from '../scheduler/job-plan.js';
import type { TunnelSpec } from '../model/types.js';
import { writeFileAtomic } from '../os/atomic.js';
import { tunnelDir } from '../os/state-paths.js';

/** What the CLI hands the detached supervisor: a validated spec and how to run it. */
export interface SuperviseRequest {
  /** The tunnel; for a preset, its forwards are decided when the app starts. */
  spec: TunnelSpec | undefined;
  preset?: { name: string; input: PresetInput };
  /** A tunnel to a scheduler job the foreground already resolved (submitted or attached, running). */
  job?: { plan: JobPlan; resolved: ResolvedJob; presetName: string | undefined; input: JobInput & PresetInput };
  readyTimeoutMs: number;
  maxRetries: number | null;
  reconnect: boolean;
  healthIntervalMs: number;
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
