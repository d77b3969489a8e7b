import { describe, expect, it } from 'vitest';
import { up } from '../../../src/supervise/up.js';
import type { ExitInfo, SpawnSsh, SshProcess } from '../../../src/ssh/process.js';

/** A scripted ssh: prints the given lines, then lives until stopped or told to die. */
function fakeSsh(script: (attempt: number) => { lines: string[]; exitAfterMs?: number }) {
  const spawned: string[][] = [];
  const live: Array<{ die: (info: ExitInfo) => void }> = [];
  const spawn: SpawnSsh = (argv) => {
    spawned.push([...argv]);
    const { lines, exitAfterMs } = script(spawned.length);
    let die: (info: ExitInfo) => void = () => {};
    const exited = new Promise<ExitInfo>((resolve) => (die = resolve));
    const listeners: Array<(line: string, stream: 'stderr' | 'stdout') => void> = [];
    // 'stdout:' lines stand for what a relay's inner ssh prints through the pty.
    const emit = (line: string) =>
      line.startsWith('stdout:') ? ([line.slice(7), 'stdout'] as const) : ([line, 'stderr'] as const);
    setTimeout(() => lines.map(emit).forEach(([line, stream]) => listeners.forEach((l) => l(line, stream))), 5);
    if (exitAfterMs !== undefined) setTimeout(() => die({ exitCode: 255, signal: null }), exitAfterMs);
    const process: SshProcess = {
      pid: 1000 + spawned.length,
      onLine: (listener) => void listeners.push(listener),
      exited,
      stop: async () => {
        die({ exitCode: null, signal: 'SIGTERM' });
        return exited;
      },
    };
    live.push({ die });
    return process;
  };
  return { spawn, spawned, live };
}

const READY = [
  'Authenticated to login',
  'debug1: Local forwarding listening on 127.0.0.1 port 1.',
  'debug1: Entering interactive session.',
];
const FAST = { backoff: { initialMs: 1, maxMs: 5 }, readyTimeoutMs: 2000, healthIntervalMs: 0 };

describe('Tunnel lifecycle (fake ssh)', () => {
  it('resolves once ready and goes down cleanly', async () => {
    const ssh = fakeSsh(() => ({ lines: READY }));
    const tunnel = await up({ to: 'h', local: ['1:h:2'] }, { ssh: { spawn: ssh.spawn }, ...FAST });
    expect(tunnel.state).toBe('up');
    expect(tunnel.pids()).toEqual([1001]);
    await tunnel.down();
    expect(tunnel.state).toBe('down');
  });

  it('reconnects after a drop and counts the restart', async () => {
    const ssh = fakeSsh((n) => (n === 1 ? { lines: READY, exitAfterMs: 30 } : { lines: READY }));
    const tunnel = await up({ to: 'h', local: ['1:h:2'] }, { ssh: { spawn: ssh.spawn }, ...FAST });
    const states: string[] = [];
    tunnel.on('state', (state: string) => states.push(state));
    await new Promise((resolve) => tunnel.once('up', resolve));
    expect(states).toEqual(['reconnecting', 'up']);
    expect(tunnel.restarts).toBe(1);
    await tunnel.down();
  });

  it('stops instead of looping when retrying cannot help (auth refused)', async () => {
    const ssh = fakeSsh((n) =>
      n === 1 ? { lines: READY, exitAfterMs: 20 } : { lines: ['Permission denied (publickey).'], exitAfterMs: 10 },
    );
    const tunnel = await up({ to: 'h', local: ['1:h:2'] }, { ssh: { spawn: ssh.spawn }, ...FAST });
    const [error] = await new Promise<[{ code: string }]>((resolve) => tunnel.once('failed', (e) => resolve([e])));
    expect(error.code).toBe('AUTH_FAILED');
    expect(ssh.spawned).toHaveLength(2);
    await tunnel.down();
  });

  it('rejects with the diagnosed error when the first attempt fails for good (no retry)', async () => {
    const ssh = fakeSsh(() => ({ lines: ['bind [127.0.0.1]:1: Address already in use'], exitAfterMs: 10 }));
    await expect(up({ to: 'h', local: ['1:h:2'] }, { ssh: { spawn: ssh.spawn }, ...FAST })).rejects.toMatchObject({
      code: 'PORT_IN_USE',
    });
    expect(ssh.spawned).toHaveLength(1);
  });

  it('retries a first connection the server dropped during the handshake (MaxStartups), up to 3 tries', async () => {
    const dropped = { lines: ['kex_exchange_identification: read: Connection reset by peer'], exitAfterMs: 5 };
    const ssh = fakeSsh((n) => (n < 3 ? dropped : { lines: READY }));
    const tunnel = await up({ to: 'h', local: ['1:h:2'] }, { ssh: { spawn: ssh.spawn }, ...FAST });
    expect(tunnel.state).toBe('up');
    expect(ssh.spawned).toHaveLength(3);
    await tunnel.down();
    const never = fakeSsh(() => dropped);
    await expect(up({ to: 'h', local: ['1:h:2'] }, { ssh: { spawn: never.spawn }, ...FAST })).rejects.toMatchObject({
      code: 'CONNECT_FAILED',
    });
    expect(never.spawned).toHaveLength(3);
  });

  it('falls back to relay under --strategy auto when the target refuses the laptop key', async () => {
    const ssh = fakeSsh((n) =>
      n === 1
        ? { lines: ['Authenticated to login', 'Permission denied (publickey).'], exitAfterMs: 10 }
        : { lines: [...READY, 'stdout:debug1: Entering interactive session.'] },
    );
    const tunnel = await up({ via: ['login'], to: 'node', local: ['1:h:2'] }, { ssh: { spawn: ssh.spawn }, ...FAST });
    expect(tunnel.plan.strategy).toBe('relay');
    expect(ssh.spawned[1]).toContain('-tt');
    await tunnel.down();
  });

  it('never falls back to relay on an unknown target host key, and says how to record it', async () => {
    const ssh = fakeSsh(() => ({
      lines: [
        'Authenticated to login',
        'No ED25519 host key is known for node and you have requested strict checking.',
        'Host key verification failed.',
      ],
      exitAfterMs: 10,
    }));
    await expect(
      up({ via: ['login'], to: 'node', local: ['1:h:2'] }, { ssh: { spawn: ssh.spawn }, ...FAST }),
    ).rejects.toMatchObject({
      code: 'HOST_KEY_UNKNOWN',
      message: expect.stringMatching(/ssh -J LOGIN HOST.*--strategy relay/),
    });
    expect(ssh.spawned).toHaveLength(1);
  });

  it('the reason for a relay fallback reaches onLine (and so the background log) from the first attempt on', async () => {
    const ssh = fakeSsh((n) =>
      n === 1
        ? { lines: ['Authenticated to login', 'Permission denied (publickey).'], exitAfterMs: 10 }
        : { lines: [...READY, 'stdout:debug1: Entering interactive session.'] },
    );
    const lines: string[] = [];
    const tunnel = await up(
      { via: ['login'], to: 'node', local: ['1:h:2'] },
      { ssh: { spawn: ssh.spawn }, ...FAST, onLine: (line) => lines.push(line) },
    );
    expect(lines.some((l) => /jump failed \(.*Permission denied.*\); trying --strategy relay/.test(l))).toBe(true);
    await tunnel.down();
  });

  it('does not fall back when the login node itself refuses (relay cannot fix that)', async () => {
    const ssh = fakeSsh(() => ({ lines: ['Permission denied (publickey).'], exitAfterMs: 10 }));
    await expect(
      up({ via: ['login'], to: 'node', local: ['1:h:2'] }, { ssh: { spawn: ssh.spawn }, ...FAST }),
    ).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(ssh.spawned).toHaveLength(1);
  });

  it('retryNow() cuts a long backoff short (what a wake from sleep or a network change does)', async () => {
    // Drop, then a failed immediate retry: the next one would wait a minute.
    const ssh = fakeSsh((n) =>
      n === 1
        ? { lines: READY, exitAfterMs: 20 }
        : n === 2
          ? { lines: ['ssh: connect to host h port 22: Connection refused'], exitAfterMs: 5 }
          : { lines: READY },
    );
    const tunnel = await up(
      { to: 'h', local: ['1:h:2'] },
      { ssh: { spawn: ssh.spawn }, ...FAST, backoff: { fastRetries: 0, initialMs: 60_000, maxMs: 60_000, jitter: 0 } },
    );
    const deadline = Date.now() + 5000;
    while (ssh.spawned.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    expect(tunnel.state).toBe('reconnecting');
    const back = new Promise((resolve) => tunnel.once('up', resolve));
    tunnel.retryNow();
    await back;
    expect(ssh.spawned).toHaveLength(3);
    await tunnel.down();
  });

  it('honours an already-aborted signal', async () => {
    const ssh = fakeSsh(() => ({ lines: READY }));
    await expect(
      up({ to: 'h', local: ['1:h:2'] }, { ssh: { spawn: ssh.spawn }, signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(ssh.spawned).toHaveLength(0);
  });
});
