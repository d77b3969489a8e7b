import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { genKey, publicKeyOf } from './keys.js';
import { freePort, isAlive, tcpProbe } from './proc.js';
import { runSshd, sshdConfig, type SshdRunner } from './sshd-process.js';

export interface TestSshd {
  alias: string;
  host: '127.0.0.1';
  port: number;
  user: string;
  dir: string;
  pid: number;
  clientKeyPath: string;
  hostPublicKey: string;
  knownHostsLine: string;
  logPath: string;
  killConnections(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartSshdOptions {
  alias?: string;
  extraConfig?: string[];
  /** Reuse another sshd's client key so one client config can chain them; that sshd must outlive this one. */
  clientKeyPath?: string;
}

let aliasCounter = 0;

const DIR_PREFIX = 'tnl-sshd-';

/** A test that times out skips its stop(); execa kills the sshd when the worker exits, but the dir
 *  stays. Dir names carry the creating pid, so later runs remove dirs whose creator is gone. */
async function removeStaleDirs(): Promise<void> {
  const names = await readdir(os.tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(name)?.[1] ?? NaN);
    if (Number.isInteger(pid) && !(await isAlive(pid))) {
      await rm(join(os.tmpdir(), name), { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/** A real sshd on 127.0.0.1, running as the current user, with everything in a private temp dir. */
export async function startSshd(opts: StartSshdOptions = {}): Promise<TestSshd> {
  const user = os.userInfo().username;
  const isRoot = process.getuid?.() === 0;
  await removeStaleDirs();
  const dir = await mkdtemp(join(os.tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  try {
    await chmod(dir, 0o700);
    const hostKey = join(dir, 'host_ed25519');
    const hostPublicKey = await genKey(hostKey, 'tunnel-test-host');
    const clientKeyPath = opts.clientKeyPath ?? join(dir, 'client_ed25519');
    const clientPub = opts.clientKeyPath ? await publicKeyOf(clientKeyPath) : await genKey(clientKeyPath);
    const authorizedKeys = join(dir, 'authorized_keys');
    await writeFile(authorizedKeys, `${clientPub}\n`, { mode: 0o600 });
    // Root's sshd chroots its pre-auth child into /run/sshd and refuses to start without it.
    if (isRoot) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

    const configPath = join(dir, 'sshd_config');
    const logPath = join(dir, 'sshd.log');
    const { port, runner } = await startOnFreePort(async (port) => {
      const config = sshdConfig({
        port,
        listen: '127.0.0.1',
        hostKey,
        pidFile: join(dir, 'sshd.pid'),
        authorizedKeysFile: authorizedKeys,
        strictModes: false,
        permitRootLogin: isRoot ? 'prohibit-password' : 'no',
        extra: opts.extraConfig,
      });
      await writeFile(configPath, config, { mode: 0o600 });
      return runSshd({ prefix: [], configPath, logPath, probe: () => tcpProbe('127.0.0.1', port) });
    }, logPath);

    let stopped = false;
    return {
      alias: opts.alias ?? `hop${++aliasCounter}`,
      host: '127.0.0.1',
      port,
      user,
      dir,
      get pid() {
        return runner.pid;
      },
      clientKeyPath,
      hostPublicKey,
      knownHostsLine: `[127.0.0.1]:${port} ${hostPublicKey}`,
      logPath,
      killConnections: () => runner.killConnections(),
      restart: () => runner.restart(),
      async stop() {
        if (stopped) return;
        stopped = true;
        await runner.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** freePort() is racy (another process may grab the port before sshd binds it), so retry on EADDRINUSE. */
async function startOnFreePort(
  launch: (port: number) => Promise<SshdRunner>,
  logPath: string,
): Promise<{ port: number; runner: SshdRunner }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { port, runner: await launch(port) };
    } catch (e) {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      if (attempt >= 3 || !/Address already in use/.test(log)) throw e;
      await rm(logPath, { force: true });
    }
  }
}

/** One client config covering several sshds; -J between them works because ssh passes -F to the jump ssh. */
export async function writeClientConfig(
  dir: string,
  sshds: TestSshd[],
  extra: Record<string, string[]> = {},
): Promise<string> {
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, sshds.map((s) => `${s.knownHostsLine}\n`).join(''), { mode: 0o600 });
  const blocks = sshds.map((s) =>
    [
      `Host ${s.alias}`,
      `  HostName ${s.host}`,
      `  Port ${s.port}`,
      `  User ${s.user}`,
      `  IdentityFile ${s.clientKeyPath}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHosts}`,
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      ...(extra[s.alias] ?? []).map((l) => `  ${l}`),
    ].join('\n'),
  );
  const path = join(dir, 'ssh_config');
  await writeFile(path, `${blocks.join('\n\n')}\n`, { mode: 0o600 });
  return path;
}
