import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIVE_SOCKET_MARKER } from '../../../src/plan/cleanup.js';
import type { SshCommand } from '../../../src/plan/types.js';
import { removeStaleRemoteSockets, teardown } from '../../../src/supervise/teardown.js';
import { fakeRun } from '../../support/fake-run.js';

const CLEAN_A = ['ssh', '-T', '-o', 'BatchMode=yes', 'login', "exec /bin/sh -c 'rm a'"];
const CLEAN_B = ['ssh', '-T', '-o', 'BatchMode=yes', 'node7', "exec /bin/sh -c 'rm b'"];

const cleanup = (hop: string, argv: string[]): SshCommand => ({ role: 'cleanup', hop, argv, ready: [], listeners: 0 });
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('teardown with a fake runner', () => {
  let dir: string;
  let server: Server;
  let socket: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnl-teardown-'));
    socket = join(dir, 'app.sock');
    server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('removes the local socket files (not other files) and runs each remote cleanup in order, bounded', async () => {
    const plain = join(dir, 'not-a-socket');
    await writeFile(plain, 'keep');
    const { run, calls } = fakeRun();
    await teardown(
      { localSockets: [socket, plain], remoteCleanup: [{ argv: CLEAN_A }, { argv: CLEAN_B }] },
      { remoteOnly: false, run },
    );
    expect(await exists(socket)).toBe(false);
    expect(await exists(plain)).toBe(true);
    expect(calls.map((c) => c.argv)).toEqual([CLEAN_A, CLEAN_B]);
    expect(calls.map((c) => c.options.timeoutMs)).toEqual([15_000, 15_000]);
  });

  it('remoteOnly (a reconnect) keeps the local sockets and passes its deadline and signal to every ssh', async () => {
    const { run, calls } = fakeRun();
    const controller = new AbortController();
    await teardown(
      { localSockets: [socket], remoteCleanup: [{ argv: CLEAN_A }, { argv: CLEAN_B }] },
      { remoteOnly: true, timeoutMs: 3000, signal: controller.signal, run },
    );
    expect(await exists(socket)).toBe(true);
    expect(calls).toEqual([
      { argv: CLEAN_A, options: { timeoutMs: 3000, signal: controller.signal } },
      { argv: CLEAN_B, options: { timeoutMs: 3000, signal: controller.signal } },
    ]);
  });

  it('stops after the command during which it was cancelled (down() during a reconnect)', async () => {
    const controller = new AbortController();
    const { run, calls } = fakeRun(() => {
      controller.abort();
      return { exitCode: null };
    });
    await teardown(
      { localSockets: [], remoteCleanup: [{ argv: CLEAN_A }, { argv: CLEAN_B }] },
      { remoteOnly: true, signal: controller.signal, run },
    );
    expect(calls.map((c) => c.argv)).toEqual([CLEAN_A]);
  });

  it('a failing cleanup ssh does not stop the next one', async () => {
    const { run, calls } = fakeRun((_, i) =>
      i === 0 ? { exitCode: 255, stderr: 'ssh: connect to host login port 22: Connection refused' } : {},
    );
    await teardown(
      { localSockets: [], remoteCleanup: [{ argv: CLEAN_A }, { argv: CLEAN_B }] },
      { remoteOnly: false, run },
    );
    expect(calls.map((c) => c.argv)).toEqual([CLEAN_A, CLEAN_B]);
  });
});

describe('removeStaleRemoteSockets with a fake runner', () => {
  it('runs the stale-only cleanup and returns the sockets it reported live, in order', async () => {
    const { run, calls } = fakeRun((call) =>
      call.argv === calls[0]?.argv
        ? { stdout: `${LIVE_SOCKET_MARKER} /tmp/a.sock\nnoise\n${LIVE_SOCKET_MARKER} /tmp/b c.sock\n` }
        : { stdout: `${LIVE_SOCKET_MARKER} /tmp/d.sock\n` },
    );
    const live = await removeStaleRemoteSockets(
      { staleRemoteCleanup: [cleanup('login', CLEAN_A), cleanup('node7', CLEAN_B)] },
      run,
    );
    expect(live).toEqual(['/tmp/a.sock', '/tmp/b c.sock', '/tmp/d.sock']);
    expect(calls.map((c) => [c.argv, c.options.timeoutMs])).toEqual([
      [CLEAN_A, 15_000],
      [CLEAN_B, 15_000],
    ]);
  });
});
