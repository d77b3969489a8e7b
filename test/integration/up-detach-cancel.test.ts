import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { freePort, pidsMatching, waitFor } from '../support/processes.js';

// A "login node" that accepts on loopback and never says a word: ssh waits for its banner, so
// `up -d` is still starting when the Ctrl-C comes.
let silent: Server;
let port: number;
let dir: string;
const held: Socket[] = [];

beforeAll(async () => {
  port = await freePort();
  silent = createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
  dir = await mkdtemp(join(tmpdir(), 'tnl-detach-cancel-'));
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('Ctrl-C while up -d is starting', () => {
  it('stops what it started: exit 130, no supervisor, no ssh, no tunnel directory', async () => {
    const env = { TUNNEL_HOME: join(dir, 's'), NO_COLOR: '1' };
    const child = execa(
      'node',
      [
        CLI,
        'up',
        '--to',
        `127.0.0.1:${port}`,
        '--connect-timeout',
        '30',
        '-L',
        `${await freePort()}:localhost:1`,
        '-d',
        '--name',
        'c',
      ],
      {
        reject: false,
        env,
        stdin: 'ignore',
      },
    );
    await waitFor(
      async () => (await pidsMatching('__supervise c')).length > 0 && held.length > 0,
      15_000,
      'the supervisor and its ssh to start',
    );
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    await waitFor(async () => (await pidsMatching('__supervise c')).length === 0, 10_000, 'the supervisor to go');
    await waitFor(async () => (await pidsMatching(`-p ${port} 127.0.0.1`)).length === 0, 10_000, 'its ssh to go');
    expect((await runCli(['ls', '--json'], env)).stdout.trim()).toBe('[]');
    expect(await readdir(join(dir, 's', 'tunnels')).catch(() => [])).toEqual([]);
  });
});
