import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTunnel } from '../../src/saved/index.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { CLI, runCli } from '../support/cli.js';

/*
 * `tunnel worker workqueue NAME` takes the head node and port from what the tool already knows:
 * the background tunnel NAME (started here for real with `tunnel up workqueue ... -d --name`
 * against a loopback sshd, -R 0) or the saved tunnel NAME; flags still override; an unknown NAME
 * is a one-line error naming the tunnels there are.
 */
/** What the script will run: its head_args array and head_port, as bash reads them. */
function headOf(script: string): { args: string; port: string } {
  return {
    args: /^head_args=\((.*)\)$/m.exec(script)?.[1] ?? '(none)',
    port: /^head_port=(.*)$/m.exec(script)?.[1] ?? '(none)',
  };
}

describe.skipIf(!existsSync(CLI))(
  'tunnel worker NAME: the head node and port from a running or saved tunnel',
  { timeout: 90_000 },
  () => {
    let head: TestSshd;
    let dir: string;
    let cfg: string;
    let env: Record<string, string>;
    let manager: Server;
    let managerPort: number;

    beforeAll(async () => {
      dir = await mkdtemp(join(os.tmpdir(), 'tnl-wqhead-'));
      head = await startSshd({ alias: 'headnode' });
      cfg = await writeClientConfig(dir, [head]);
      env = { TUNNEL_HOME: join(dir, 'state'), TUNNEL_CONFIG_DIR: join(dir, 'conf') };
      // Stands in for the manager: the tunnel's health probe wants something listening.
      manager = createServer((socket) => socket.destroy());
      managerPort = await new Promise<number>((resolve) =>
        manager.listen(0, '127.0.0.1', () => resolve((manager.address() as { port: number }).port)),
      );
    }, 60_000);

    afterAll(async () => {
      await runCli(['down', '--all'], env);
      manager?.close();
      await head?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('a running tunnel gives its target and the port its -R 0 was allocated; flags override each', async () => {
      const up = await runCli(
        ['up', 'workqueue', '-F', cfg, '--via', 'headnode', '--port', String(managerPort), '-d', '--name', 'wq'],
        env,
        60_000,
      );
      expect(up.exitCode, up.stderr).toBe(0);
      const listed = JSON.parse((await runCli(['ls', '--json'], env)).stdout) as Array<{
        name: string;
        forwards: Array<{ allocatedPort?: number }>;
      }>;
      const allocated = listed.find((t) => t.name === 'wq')?.forwards[0]?.allocatedPort;
      expect(allocated).toBeGreaterThan(0);

      const worker = await runCli(['worker', 'workqueue', 'wq'], env);
      expect(worker.exitCode, worker.stderr).toBe(0);
      expect(headOf(worker.stdout)).toEqual({ args: 'headnode', port: String(allocated) });
      expect(worker.stdout).toMatch(/^# Rendered by `tunnel worker workqueue wq`/m);

      const portOnly = await runCli(['worker', 'workqueue', 'wq', '--head-port', '41001'], env);
      expect(headOf(portOnly.stdout)).toEqual({ args: 'headnode', port: '41001' });
      const headOnly = await runCli(['worker', 'workqueue', 'wq', '--head', 'me@gateway:2222'], env);
      expect(headOf(headOnly.stdout)).toEqual({ args: '-p 2222 me@gateway', port: String(allocated) });
    });

    it('a saved tunnel gives its target and a fixed --remote-port; a saved -R 0 one says to start it', async () => {
      await saveTunnel(
        'wqs',
        {
          via: ['headnode'],
          sshConfig: cfg,
          preset: 'workqueue',
          presetOptions: { port: managerPort, remotePort: 41002 },
        },
        { dir: env.TUNNEL_CONFIG_DIR },
      );
      await saveTunnel(
        'wq0',
        { via: ['headnode'], sshConfig: cfg, preset: 'workqueue', presetOptions: { port: managerPort } },
        { dir: env.TUNNEL_CONFIG_DIR },
      );
      const saved = await runCli(['worker', 'workqueue', 'wqs'], env);
      expect(saved.exitCode, saved.stderr).toBe(0);
      expect(headOf(saved.stdout)).toEqual({ args: 'headnode', port: '41002' });

      const zero = await runCli(['worker', 'workqueue', 'wq0'], env);
      expect(zero.exitCode).toBe(2);
      expect(zero.stderr).toBe(
        "tunnel: worker: the saved tunnel 'wq0' lets headnode pick its port (-R 0) and is not running; start it with 'tunnel up wq0 -d', or pass --head-port PORT",
      );
      expect(headOf((await runCli(['worker', 'workqueue', 'wq0', '--head-port', '41003'], env)).stdout)).toEqual({
        args: 'headnode',
        port: '41003',
      });
    });

    it('an unknown NAME is one line naming every running and saved tunnel; nothing is written', async () => {
      const out = join(dir, 'never.sh');
      const r = await runCli(['worker', 'workqueue', 'nope', '-o', out], env);
      expect(r.exitCode).toBe(6);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        "tunnel: worker: no running or saved workqueue tunnel named 'nope' to take the head node from (tunnels: wq (workqueue, up), wq0 (workqueue, saved), wqs (workqueue, saved)); pass --head HOST and --head-port PORT",
      );
      expect(existsSync(out)).toBe(false);
    });
  },
);
