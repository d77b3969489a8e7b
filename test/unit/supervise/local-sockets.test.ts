import { chmod, lstat, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isListening, prepareLocalSocket, removeLocalSocket } from '../../../src/supervise/local-sockets.js';
import { useChildren } from '../../support/state-home.js';

const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

describe('local sockets in a temp directory', () => {
  const children = useChildren();
  let dir: string;
  let servers: Server[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnl-sock-'));
    servers = [];
  });
  afterEach(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const listen = async (path: string) => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
  };
  /** A socket file nobody listens on: its process was SIGKILLed (a clean close would have removed it). */
  const staleSocket = async (path: string) => {
    const child = await children.start(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(path)})`,
    ]);
    const deadline = Date.now() + 5000;
    while (!(await exists(path)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect((await lstat(path)).isSocket()).toBe(true);
  };

  it('a path that is free is left as it is', async () => {
    await prepareLocalSocket(join(dir, 'free.sock'));
    expect(await exists(join(dir, 'free.sock'))).toBe(false);
  });

  it('a stale socket is removed so it can be bound again', async () => {
    const path = join(dir, 'stale.sock');
    await staleSocket(path);
    expect(await isListening(path)).toBe(false);
    await prepareLocalSocket(path);
    expect(await exists(path)).toBe(false);
  });

  it('a live socket is refused and kept', async () => {
    const path = join(dir, 'live.sock');
    await listen(path);
    expect(await isListening(path)).toBe(true);
    await expect(prepareLocalSocket(path)).rejects.toMatchObject({
      code: 'SOCKET_IN_USE',
      message: `${path} is in use by a live process; stop it or choose another path`,
    });
    expect(await isListening(path)).toBe(true);
  });

  it('a file that is not a socket is refused, never replaced', async () => {
    const path = join(dir, 'notes.txt');
    await writeFile(path, 'mine');
    await expect(prepareLocalSocket(path)).rejects.toMatchObject({
      code: 'UNSAFE_PATH',
      message: `${path} exists and is not a socket; refusing to replace it (choose another path)`,
    });
    expect(await exists(path)).toBe(true);
  });

  it.each<[string, number | undefined, string | undefined]>([
    ['a missing directory', undefined, 'does not exist; create it (mode 0700) before binding a socket in it'],
    [
      'a directory anyone may write to',
      0o777,
      'is writable by other users or owned by someone else; put the socket in a private directory',
    ],
    [
      'a group-writable directory',
      0o770,
      'is writable by other users or owned by someone else; put the socket in a private directory',
    ],
    ['a sticky shared directory (like /tmp)', 0o1777, undefined],
    ['a private directory', 0o700, undefined],
  ])('in %s', async (_what, mode, problem) => {
    const sub = join(dir, 'sub');
    if (mode !== undefined) {
      await mkdir(sub);
      await chmod(sub, mode);
    }
    const attempt = prepareLocalSocket(join(sub, 'x.sock'));
    if (problem === undefined) await expect(attempt).resolves.toBeUndefined();
    else await expect(attempt).rejects.toMatchObject({ code: 'UNSAFE_PATH', message: `${sub} ${problem}` });
  });

  it('removeLocalSocket removes a socket but never a file that is something else', async () => {
    const socket = join(dir, 'stale.sock');
    const file = join(dir, 'file');
    await staleSocket(socket);
    await writeFile(file, '');
    await removeLocalSocket(socket);
    await removeLocalSocket(file);
    await removeLocalSocket(join(dir, 'missing'));
    expect(await exists(socket)).toBe(false);
    expect(await exists(file)).toBe(true);
  });
});
