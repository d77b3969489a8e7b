import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';
import type { Spawned } from '../harness/node-exec.js';

/*
 * The ParaView layouts across real isolation (the node has no route to the laptop). The first
 * two tests need no ParaView: the laptop end is a TCP listener in the laptop namespace and the
 * node end a python3 one-liner that connects to localhost:PORT, which is what
 * `pvserver --reverse-connection --client-host=localhost --server-port=PORT` does first. The
 * last one runs the real pvpython and pvserver when they are installed.
 */
const can = canBuildTopology();
const dist = fileURLToPath(new URL('../../dist/presets/index.js', import.meta.url));

const DRIVER = `
import net from 'node:net';
import { resolvePresetUp, startPreset } from ${JSON.stringify(dist)};
const received = [];
const client = net.createServer((s) => s.on('data', (d) => received.push(String(d))));
await new Promise((r) => client.listen(0, '127.0.0.1', r));
const given = JSON.parse(process.env.TNL_PRESET_INPUT);
const input = { port: client.address().port, ...given };
const t0 = Date.now();
const s = await startPreset(await resolvePresetUp('paraview', input), { readyTimeoutMs: 30000 }, { onLine: (l) => console.log('LINE ' + l) });
if (input.launch && given.port === undefined) for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
console.log('RESULT ' + JSON.stringify({ ms: Date.now() - t0, received: received.join(''), json: s.report.json, lines: s.report.lines }));
process.once('SIGTERM', async () => { await s.down(); client.close(); console.log('DOWN'); process.exit(0); });
setInterval(() => undefined, 1000);
`;

const STAND_IN = `/usr/bin/python3 -c 'import socket, sys; s = socket.create_connection(("localhost", int(sys.argv[1])), 5); s.sendall(socket.gethostname().encode()); s.close()' {port}`;
const connectScript = (host: string, port: number) =>
  `import socket; s = socket.create_connection((${JSON.stringify(host)}, ${port}), 3); s.sendall(b"probe"); print("connected")`;

const PV_CLIENT = `
import sys
from paraview.simple import *
ReverseConnect(sys.argv[1])
s = Sphere()
s.UpdatePipeline()
print("POINTS", s.GetDataInformation().GetNumberOfPoints(), flush=True)
Disconnect()
`;

interface Result {
  ms: number;
  received: string;
  json: { remotePort: number; layout: string; listenerOn: string };
  lines: string[];
}

if (!can.ok || !existsSync(dist)) {
  const why = can.ok ? `${dist} is missing (run npx tsc -p . first)` : can.why;
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e paraview preset: ${why}\n${'!'.repeat(72)}\n`);
  it.skip(`paraview preset e2e (skipped: ${why})`, () => undefined);
} else {
  describe('paraview reverse connection across the topology', { timeout: 120_000 }, () => {
    let t: Topology;
    const drivers: Spawned[] = [];

    beforeAll(async () => {
      t = await buildTopology();
    }, 120_000);
    afterAll(async () => {
      for (const d of drivers) await d.kill('SIGKILL').catch(() => undefined);
      await t?.teardown();
    });

    const run = async (input: Record<string, unknown>): Promise<{ driver: Spawned; result: Result }> => {
      const driver = await t.spawn('laptop', [process.execPath, '--input-type=module', '-e', DRIVER], {
        env: { TNL_PRESET_INPUT: JSON.stringify({ sshConfig: t.sshConfigPath, batchMode: true, ...input }) },
      });
      drivers.push(driver);
      const out = await driver.waitForOutput(/^RESULT .*$/m, 90_000);
      return { driver, result: JSON.parse(/^RESULT (.*)$/m.exec(out)![1]!) as Result };
    };

    it('--to isolated-node: the listener is on the node itself, and a process there reaches the laptop', async () => {
      const { driver, result } = await run({ via: ['login'], to: 'isolated-node', launch: STAND_IN });
      console.info(`e2e paraview (jump layout): tunnel + launch + connection back in ${result.ms} ms`);
      expect(result.json).toMatchObject({ layout: 'jump', listenerOn: 'isolated-node' });
      expect(result.received).toBe('isolated-node');
      await driver.kill('SIGTERM');
      expect(driver.output()).toMatch(/^DOWN$/m);
    });

    it('without --to: the listener is on login loopback only, so the node cannot reach it (GatewayPorts no)', async () => {
      const { driver, result } = await run({ via: ['login'] });
      expect(result.json).toMatchObject({ layout: 'direct', listenerOn: 'login' });
      const port = result.json.remotePort;
      const onLogin = await t.exec('login', ['/usr/bin/python3', '-c', connectScript('localhost', port)], {
        asUser: true,
      });
      expect(onLogin.stdout.trim(), onLogin.stderr).toBe('connected');
      const fromNode = await t.exec('node', ['/usr/bin/python3', '-c', connectScript(t.addr.loginFromNode, port)], {
        asUser: true,
      });
      expect(fromNode.exitCode).not.toBe(0);
      expect(fromNode.stderr).toMatch(/Connection refused/);
      await driver.kill('SIGTERM');
    });

    // Real ParaView, when installed (Debian: paraview + python3-paraview, about 440 MB).
    it.skipIf(!existsSync('/usr/bin/pvserver') || !existsSync('/usr/bin/pvpython'))(
      'real ParaView: pvpython waits on the laptop, --launch pvserver on the node connects back, a Sphere has 50 points',
      async () => {
        const clientScript = join(os.tmpdir(), `tnl-pv-client-${t.id}.py`);
        await writeFile(clientScript, PV_CLIENT);
        try {
          const client = await t.spawn('laptop', ['timeout', '90', '/usr/bin/pvpython', clientScript, '11111']);
          drivers.push(client);
          await client.waitForOutput(/Accepting connection\(s\)/, 60_000);
          const t0 = Date.now();
          const { driver, result } = await run({
            via: ['login'],
            to: 'isolated-node',
            port: 11111,
            launch: 'pvserver',
          });
          expect(result.json).toMatchObject({ layout: 'jump', listenerOn: 'isolated-node' });
          await client.waitForOutput(/^POINTS 50$/m, 60_000).catch((e: Error) => {
            throw new Error(`${e.message}\ntunnel output:\n${driver.output()}`);
          });
          console.info(
            `e2e paraview (real pvserver/pvpython): tunnel + pvserver start + Sphere through the reverse connection in ${Date.now() - t0} ms`,
          );
          // pvserver exits 0 even when it failed, so judge it by what it printed.
          expect(driver.output()).toMatch(/^LINE \[launch\] Client connected\.\s*$/m);
          await driver.kill('SIGTERM');
          expect(driver.output()).toMatch(/^DOWN$/m);
        } finally {
          await rm(clientScript, { force: true });
        }
      },
    );
  });
}
