import { describe, expect, it } from 'vitest';
import { parseTunnelSpec } from '../../../src/model/tunnel.js';
import { openSession } from '../../../src/session/open.js';
import type { ExitInfo, SpawnSsh } from '../../../src/ssh/process.js';
import type { RunSsh } from '../../../src/ssh/run.js';

const READY = [
  'Authenticated to login',
  'debug1: Local forwarding listening on 127.0.0.1 port 1.',
  'debug1: Entering interactive session.',
];

/** Scripted ssh: each spawn reports the tunnel ready and lives until stopped; every argv is kept. */
function scripted() {
  const spawned: string[][] = [];
  const ran: string[][] = [];
  const spawn: SpawnSsh = (argv) => {
    spawned.push([...argv]);
    let die: (info: ExitInfo) => void = () => {};
    const exited = new Promise<ExitInfo>((resolve) => (die = resolve));
    const listeners: Array<(line: string, stream: 'stderr' | 'stdout') => void> = [];
    setTimeout(() => READY.forEach((line) => listeners.forEach((l) => l(line, 'stderr'))), 5);
    return {
      pid: 1000 + spawned.length,
      onLine: (l) => void listeners.push(l),
      exited,
      stop: async () => (die({ exitCode: null, signal: 'SIGTERM' }), exited),
    };
  };
  const run: RunSsh = async (argv) => (ran.push([...argv]), { exitCode: 0, stdout: '', stderr: '', timedOut: false });
  return { spawn, run, spawned, ran };
}

const SPEC = parseTunnelSpec({ via: ['login'], to: 'node7', local: ['1:localhost:8888'] });

describe('openSession: a plain tunnel behind the Session contract', () => {
  it.each([
    ['at a terminal: ssh may prompt', false, false],
    ['unattended (the background supervisor): BatchMode, never a prompt', true, true],
  ])('%s', async (_what, unattended, batch) => {
    const ssh = scripted();
    const session = await openSession(
      { kind: 'tunnel', spec: SPEC },
      { ssh, unattended, healthIntervalMs: 0, readyTimeoutMs: 2000 },
    );
    try {
      expect(session.tunnel().state).toBe('up');
      expect(session.report()).toBeUndefined();
      expect(session.record()).toEqual({});
      expect(session.job()).toBeUndefined();
      expect(session.ended).toBeUndefined();
      expect(ssh.spawned).toHaveLength(1);
      expect(ssh.spawned[0]!.includes('BatchMode=yes')).toBe(batch);
    } finally {
      await session.down();
    }
    expect(session.tunnel().state).toBe('down');
    expect(session.cancelled()).toBeUndefined();
  });
});
