import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** TUNNEL_HOME points at a fresh temp directory for each test, restored and removed afterwards. */
export function useTempStateHome(prefix: string): { readonly home: string } {
  const state = { home: '' };
  let saved: string | undefined;
  beforeEach(async () => {
    saved = process.env.TUNNEL_HOME;
    state.home = await mkdtemp(join(tmpdir(), prefix));
    process.env.TUNNEL_HOME = state.home;
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.TUNNEL_HOME;
    else process.env.TUNNEL_HOME = saved;
    await rm(state.home, { recursive: true, force: true });
  });
  return state;
}

/**
 * Children the test starts itself, killed by pid after each test. `spawned` resolves once the
 * child has exec'd, so /proc already shows its argv.
 */
export function useChildren(): { start: (file: string, args: string[]) => Promise<ChildProcess & { pid: number }> } {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) await killChild(child);
  });
  return {
    start: async (file, args) => {
      const child = spawn(file, args, { stdio: 'ignore' });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      if (child.pid === undefined) throw new Error(`${file} has no pid`);
      return child as ChildProcess & { pid: number };
    },
  };
}

/** Kills a child the test started, by pid, and waits until it is reaped. */
export async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
