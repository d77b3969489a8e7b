import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePresetUp, startPreset, type StartedPreset } from '../../src/presets/index.js';
import { isAlive, waitFor } from '../harness/proc.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';

/*
 * ParaView itself is not installed here (440 MB), so the two ends are honest stand-ins that
 * speak TCP the way ParaView's do in a reverse connection: the "client" listens on this
 * machine, and the --launch command on the node connects to localhost:PORT, as
 * `pvserver --reverse-connection --client-host=localhost --server-port=PORT` would.
 * What is under test is the layout: the -R listener must sit where the node can reach it.
 */
describe('paraview preset: the -R listener lands on the node through -J, no GatewayPorts', { timeout: 60_000 }, () => {
  let login: TestSshd;
  let node: TestSshd;
  let dir: string;
  let cfg: string;
  let client: Server;
  let clientPort: number;
  const received: string[] = [];
  const started: StartedPreset[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'tnl-pv-'));
    login = await startSshd({ alias: 'login' });
    node = await startSshd({ alias: 'node', clientKeyPath: login.clientKeyPath });
    cfg = await writeClientConfig(dir, [login, node]);
    client = createServer((socket) => socket.on('data', (chunk) => received.push(chunk.toString())));
    await new Promise<void>((resolve) => client.listen(0, '127.0.0.1', resolve));
    clientPort = (client.address() as { port: number }).port;
  }, 60_000);

  afterAll(async () => {
    for (const s of started) await s.down().catch(() => undefined);
    client?.close();
    await node?.stop();
    await login?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Connects to localhost:PORT on the node and says where it ran, like pvserver's reverse connection.
  const standIn = `/usr/bin/python3 -c 'import socket, sys; s = socket.create_connection(("localhost", int(sys.argv[1]))); s.sendall(b"hello from the node"); s.close(); print("connected")' {port}`;

  it('--to node: ssh -J login -R PORT:localhost:CLIENT node, reports the layout, and --launch connects back', async () => {
    const presetUp = await resolvePresetUp('paraview', {
      via: ['login'],
      to: 'node',
      port: clientPort,
      launch: standIn,
      sshConfig: cfg,
      batchMode: true,
    });
    const output: string[] = [];
    const t0 = Date.now();
    const s = await startPreset(presetUp, { readyTimeoutMs: 20_000 }, { onLine: (l) => output.push(l) });
    started.push(s);
    const argv = s.tunnel.plan.tunnel.argv;
    expect(argv.slice(argv.indexOf('-J'), argv.indexOf('-J') + 2)).toEqual(['-J', 'login']);
    expect(argv).toContain(`0:localhost:${clientPort}`);
    expect(argv[argv.length - 1]).toBe('node');
    const port = Number(s.report.json.remotePort);
    expect(s.report.json).toMatchObject({ layout: 'jump', listenerOn: 'node' });
    expect(s.report.lines.join('\n')).toContain(`layout: jump (ssh -J login -R ${port}:localhost:${clientPort} node)`);
    await waitFor(
      () => received.join('') === 'hello from the node',
      15_000,
      `the stand-in to connect back; launch output:\n${output.join('\n')}`,
    );
    console.info(`paraview (jump layout): tunnel up + launched command connected back in ${Date.now() - t0} ms`);
    await waitFor(() => output.some((l) => l === '[launch] connected'), 5000, 'the launch output');
    const launchPid = (s.report.json.launch as { pid: number }).pid;
    await s.down();
    expect(await isAlive(launchPid)).toBe(false);
  });

  it('without --to: the listener is on the login node, and the report says pvserver must run there', async () => {
    received.length = 0;
    const s = await startPreset(
      await resolvePresetUp('paraview', { via: ['login'], port: clientPort, sshConfig: cfg, batchMode: true }),
      { readyTimeoutMs: 20_000 },
    );
    started.push(s);
    const port = Number(s.report.json.remotePort);
    expect(s.report.json).toMatchObject({
      layout: 'direct',
      listenerOn: 'login',
      remoteCommand: `pvserver --reverse-connection --client-host=localhost --server-port=${port}`,
    });
    expect(s.report.lines.join('\n')).toMatch(
      /unless login's sshd has GatewayPorts, so to run on a node pass --via login --to NODE/,
    );
    await s.down();
  });
});
