import { execa } from 'execa';
import { TunnelError } from '../errors.js';
import { lockPath } from './request.js';
import { readLockPid } from '../state/lock.js';
import { isProcessAlive, processArgv, sshInProcessGroup } from '../state/process-check.js';
import { listTunnelNames, readRecord, removeTunnelDir } from '../state/record.js';
import { removeLocalSocket } from '../supervise/local-sockets.js';
import { stopPresetApp, type PresetState } from '../presets/index.js';

export interface StopResult {
  name: string;
  /** How it went: the supervisor tore down itself, or `down` had to clean after a dead one. */
  how: 'supervisor' | 'cleaned-after-dead-supervisor';
}

/** Stops a background tunnel and removes everything it left, even if its supervisor was SIGKILLed. */
export async function stopTunnel(name: string): Promise<StopResult> {
  let corrupt = false;
  const record = await readRecord(name).catch((error: unknown) => {
    // A corrupt record is still cleared (status tells people to run down for it); its commands are never run.
    corrupt = error instanceof TunnelError && error.code === 'STATE_CORRUPT';
    if (!corrupt) throw error;
    return undefined;
  });
  const supervisor = record?.supervisorPid ?? (await readLockPid(lockPath(name)));
  if (record === undefined && supervisor === undefined && !corrupt) {
    throw new TunnelError('NOT_FOUND', `no running tunnel named '${name}'; see 'tunnel ls'`);
  }
  if (supervisor !== undefined && isProcessAlive(supervisor) && isSupervisor(supervisor)) {
    process.kill(supervisor, 'SIGTERM');
    if (await waitForExit(supervisor, 15_000)) {
      for (const pid of sshInProcessGroup(supervisor)) await killSsh(pid); // none, unless it died another way
      await removeTunnelDir(name);
      return { name, how: 'supervisor' };
    }
    process.kill(supervisor, 'SIGKILL');
  }
  for (const pid of record?.sshPids ?? []) await killSsh(pid);
  if (supervisor !== undefined && !isProcessAlive(supervisor)) for (const pid of sshInProcessGroup(supervisor)) await killSsh(pid);
  await Promise.all((record?.localSockets ?? []).map(removeLocalSocket));
  if (record?.preset !== undefined) await stopPresetApp(record.preset.state as PresetState).catch(() => undefined);
  for (const [file, ...args] of [...(record?.releaseCommands ?? []), ...(record?.remoteCleanup ?? [])]) {
    if (file !== undefined) await execa(file, args, { reject: false, timeout: 15_000, stdin: 'ignore' });
  }
  await removeTunnelDir(name);
  return { name, how: 'cleaned-after-dead-supervisor' };
}

export async function stopAll(): Promise<StopResult[]> {
  const results: StopResult[] = [];
  for (const name of await listTunnelNames()) results.push(await stopTunnel(name));
  return results;
}

/** Only a pid that still runs our supervisor is signalled: pids get recycled. */
function isSupervisor(pid: number): boolean {
  return processArgv(pid)?.includes('__supervise') ?? false;
}

async function killSsh(pid: number): Promise<void> {
  const argv = processArgv(pid);
  if (argv === undefined || !/(^|\/)ssh$/.test(argv[0] ?? '')) return;
  process.kill(pid, 'SIGTERM');
  if (!(await waitForExit(pid, 3000))) process.kill(pid, 'SIGKILL');
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isProcessAlive(pid);
}
