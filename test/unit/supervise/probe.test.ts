import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseForward } from '../../../src/model/forward.js';
import { probeForward } from '../../../src/supervise/probe.js';
import { freePort } from '../../support/processes.js';

type Behaviour = 'close' | 'silent' | 'greet';

describe('probeForward against loopback servers', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  /** A loopback server that closes each connection at once (ssh after "open failed"), says nothing, or greets. */
  const serve = async (behaviour: Behaviour): Promise<number> => {
    const server = createServer((socket) => {
      sockets.push(socket);
      if (behaviour === 'close') socket.destroy();
      if (behaviour === 'greet') socket.write('SSH-2.0-hello\r\n');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no port');
    return address.port;
  };

  it.each<[Behaviour, 'ok' | 'unreachable']>([
    ['close', 'unreachable'], // the far end refused: ssh closes our connection at once
    ['silent', 'ok'], // silence within the window counts as ok without verdicts
    ['greet', 'ok'],
  ])('-L without verdicts, a listener that does %s: %s', async (behaviour, health) => {
    const port = await serve(behaviour);
    expect(await probeForward(parseForward('L', `${port}:localhost:80`), { windowMs: 300 })).toBe(health);
  });

  it('-L with nothing listening locally: unreachable', async () => {
    expect(await probeForward(parseForward('L', `${await freePort()}:localhost:80`), { windowMs: 300 })).toBe(
      'unreachable',
    );
  });

  it.each<[string, boolean, 'ok' | 'unreachable']>([
    ['a local target that listens', true, 'ok'],
    ['a local target that is gone', false, 'unreachable'],
  ])('-R probes the local target directly: %s', async (_what, listening, health) => {
    const port = listening ? await serve('silent') : await freePort();
    expect(await probeForward(parseForward('R', `0:127.0.0.1:${port}`), { windowMs: 300 })).toBe(health);
  });
});
