import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';
import type { Spawned } from '../harness/node-exec.js';

const can = canBuildTopology();

interface ExposeReport {
  sshConfigEntry: string;
  remotePort: number;
  host: string;
  listenerOn: string;
}
const REPO = fileURLToPath(new URL('../..', import.meta.url));

if (!can.ok) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e expose test: ${can.why}\n${'!'.repeat(72)}\n`);
  it.skip(`expose e2e (skipped: ${can.why})`, () => undefined);
} else {
  describe(
    'expose: the isolated node (behind NAT) made reachable through login with plain sshd',
    { timeout: 120_000 },
    () => {
      let t: Topology;
      let laptopDir: string;
      let app = '';
      let expose: Spawned | undefined;

      beforeAll(async () => {
        t = await buildTopology();
        laptopDir = await mkdtemp(join(tmpdir(), 'tnl-expose-'));
        // The NATed machine runs tunnel itself, as the cluster user: use the checkout if that user can
        // read it from the node, else a copy in the shared home (CI may clone under /tmp or /root).
        const cli = join(REPO, 'dist/cli/main.js');
        if ((await t.exec('node', ['test', '-r', cli], { asUser: true })).exitCode === 0) app = REPO;
        else {
          app = join(t.home, `.tnl-app-${t.id}`);
          for (const part of ['dist', 'node_modules', 'templates', 'package.json'])
            await cp(join(REPO, part), join(app, part), { recursive: true });
          await execa('chown', ['-R', `${t.user}:`, app]);
        }
      }, 180_000);

      afterAll(async () => {
        await expose?.kill('SIGKILL').catch(() => undefined);
        if (app !== REPO && app !== '') await rm(app, { recursive: true, force: true });
        await t?.teardown();
        await rm(laptopDir, { recursive: true, force: true });
      });

      /** `tunnel up expose` on the node, as the cluster user; resolves with its --json report. */
      async function startExpose(extra: string[], state: string): Promise<ExposeReport> {
        expose = await t.spawn(
          'node',
          [
            'node',
            join(app, 'dist/cli/main.js'),
            'up',
            'expose',
            '--via',
            'login',
            '--name',
            'natbox',
            '--json',
            ...extra,
          ],
          {
            asUser: true,
            env: { TUNNEL_HOME: join(t.home, `${state}-${t.id}`), NO_COLOR: '1' },
          },
        );
        const line = (await expose.waitForOutput(/^\{.*\}$/m, 30_000)).split('\n').find((l) => l.startsWith('{'))!;
        return JSON.parse(line) as ExposeReport;
      }

      it('tunnel up expose --via login on the node prints an entry; ssh NAME from the laptop runs a command on the node', async () => {
        const report = await startExpose([], '.tnl-expose-state');
        expect(report.host).toBe('natbox');
        expect(report.listenerOn).toBe('login');
        expect(report.sshConfigEntry).toContain(`Port ${report.remotePort}`);
        expect(report.sshConfigEntry).toContain('ProxyJump login');
        const config = await entryConfig(report, 'first');
        const remote = await t.exec('laptop', ['ssh', '-F', config, 'natbox', 'hostname'], { timeoutMs: 30_000 });
        expect(remote.exitCode, remote.stderr).toBe(0);
        expect(remote.stdout.trim()).toBe('isolated-node');

        await expose!.kill('SIGTERM');
        expect(await expose!.exited).toBe(143);
        expect(await t.pids('node', /(^|\/)ssh /)).toEqual([]);
      });

      // The entry names a fixed port: it only works again if the -R 0 port was had back after each fault.
      it('the printed entry keeps working through a killed login sshd session and a 10 s blackhole of the node-login link', async () => {
        const report = await startExpose(['--keepalive', '1'], '.tnl-expose-faults');
        const config = await entryConfig(report, 'faults');
        const through = () =>
          t.exec('laptop', ['ssh', '-F', config, '-o', 'ConnectTimeout=3', 'natbox', 'hostname'], {
            timeoutMs: 15_000,
          });
        expect((await through()).stdout.trim()).toBe('isolated-node');
        /** Seconds until ssh through the entry reaches the node again (the consumer, not just the forward). */
        const back = async (timeoutMs: number): Promise<number> => {
          const start = Date.now();
          while (Date.now() - start < timeoutMs) {
            if ((await through()).stdout.trim() === 'isolated-node') return (Date.now() - start) / 1000;
            await new Promise((r) => setTimeout(r, 250));
          }
          throw new Error(
            `ssh through the entry (port ${report.remotePort}) did not work again within ${timeoutMs} ms; tunnel said:\n${expose!.output()}`,
          );
        };
        const sshOnNode = () => t.pids('node', /(^|\/)ssh /);
        const first = await sshOnNode();

        await t.killSshdConnections('login');
        console.info(
          `expose e2e: login sshd sessions killed -> ssh through the entry works again after ${await back(30_000)} s`,
        );
        const second = await sshOnNode();
        expect(
          second.some((pid) => !first.includes(pid)),
          'a new ssh: the tunnel really reconnected',
        ).toBe(true);

        await t.blackhole('login-node', true);
        await new Promise((r) => setTimeout(r, 10_000));
        await t.blackhole('login-node', false);
        console.info(
          `expose e2e: 10 s blackhole of login-node -> ssh through the entry works again ${await back(60_000)} s after the lift`,
        );
        expect(
          (await sshOnNode()).some((pid) => !second.includes(pid)),
          'a new ssh after the blackhole',
        ).toBe(true);
        expect(expose!.output()).not.toMatch(/could not be had back/);

        await expose!.kill('SIGTERM');
        expect(await expose!.exited).toBe(143);
        expect(await sshOnNode()).toEqual([]);
      });

      /** The laptop's user: the printed entry, plus who they are and the node's host key under the alias. */
      async function entryConfig(report: ExposeReport, tag: string): Promise<string> {
        const laptopConfig = await readFile(t.sshConfigPath, 'utf8');
        const knownHostsFile = /UserKnownHostsFile (\S+)/.exec(laptopConfig)![1]!;
        const nodeKey = (await readFile(knownHostsFile, 'utf8'))
          .split('\n')
          .find((l) => l.startsWith(`${t.addr.node} `))!
          .split(' ')
          .slice(1)
          .join(' ');
        const aliasKnownHosts = join(laptopDir, `known_hosts-${tag}`);
        await writeFile(aliasKnownHosts, `natbox ${nodeKey}\n`);
        const config = join(laptopDir, `ssh_config-${tag}`);
        await writeFile(
          config,
          [
            report.sshConfigEntry.trimEnd(),
            `  User ${t.user}`,
            `  IdentityFile ${t.laptopKeyPath}`,
            '  IdentitiesOnly yes',
            `  UserKnownHostsFile ${aliasKnownHosts}`,
            '  StrictHostKeyChecking yes',
            '  BatchMode yes',
            '',
            laptopConfig,
          ].join('\n'),
        );
        return config;
      }
    },
  );
}
