import { existsSync } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { freezeTree, killPids, sleep, tail, type ProcInfo } from './proc.js';

/** sshd refuses to re-exec itself unless started by absolute path, and /usr/sbin is not on every PATH. */
export function sshdPath(): string {
  const found = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/sbin/sshd'].find((p) => existsSync(p));
  if (!found) throw new Error('sshd not found (install openssh-server)');
  return found;
}

export interface SshdConfigOptions {
  port: number;
  listen: string;
  hostKey: string;
  pidFile: string;
  authorizedKeysFile?: string;
  strictModes: boolean;
  permitRootLogin: 'prohibit-password' | 'no';
  allowUsers?: string;
  extra?: string[];
}

export function sshdConfig(o: SshdConfigOptions): string {
  const lines = [
    `Port ${o.port}`,
    `ListenAddress ${o.listen}`,
    `HostKey ${o.hostKey}`,
    `PidFile ${o.pidFile}`,
    ...(o.authorizedKeysFile ? [`AuthorizedKeysFile ${o.authorizedKeysFile}`] : []),
    ...(o.allowUsers ? [`AllowUsers ${o.allowUsers}`] : []),
    // PAM would consult the host's account stack and may reject test users for reasons unrelated to ssh.
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    `PermitRootLogin ${o.permitRootLogin}`,
    `StrictModes ${o.strictModes ? 'yes' : 'no'}`,
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'X11Forwarding no',
    'PrintMotd no',
    'Subsystem sftp internal-sftp',
    // VERBOSE logs "Accepted publickey" and refused forwards, which tests wait on and diagnose with.
    'LogLevel VERBOSE',
  ];
  // sshd keeps the first value of a keyword: a top-level extra line replaces the default instead.
  const keyword = (line: string) => (/^(\S+)\s/.exec(line)?.[1] ?? '').toLowerCase();
  const overridden = new Set((o.extra ?? []).filter((l) => !/^\s/.test(l)).map(keyword));
  return `${[...lines.filter((l) => !overridden.has(keyword(l))), ...(o.extra ?? [])].join('\n')}\n`;
}

export interface SshdRunner {
  readonly pid: number;
  killConnections(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

interface RunOptions {
  /** Wrapper argv placed before sshd (e.g. nsenter ...); it must exec, so the pid stays sshd's. */
  prefix: string[];
  configPath: string;
  logPath: string;
  probe: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

/** Runs `sshd -D` and owns its lifetime; all kills are by pid, never by name. */
export async function runSshd(o: RunOptions): Promise<SshdRunner> {
  let sub: ResultPromise | undefined;
  let stopped = false;

  const start = async (): Promise<void> => {
    const argv = [...o.prefix, sshdPath(), '-D', '-f', o.configPath, '-E', o.logPath];
    const [file, ...args] = argv as [string, ...string[]];
    const child = execa(file, args, { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' });
    sub = child;
    let exited = false;
    void child.then(() => (exited = true));
    const deadline = Date.now() + (o.readyTimeoutMs ?? 5000);
    while (!(await o.probe())) {
      if (exited || Date.now() > deadline) {
        const stderr = exited ? (await child).stderr : '';
        if (!exited) await killPids([child.pid ?? -1], 'SIGKILL');
        throw new Error(
          `sshd ${exited ? 'exited' : 'not accepting connections after timeout'}\n` +
            `argv: ${argv.join(' ')}\nstderr: ${String(stderr)}\nlog tail:\n${await tail(o.logPath)}`,
        );
      }
      await sleep(50);
    }
  };

  const listenerPid = (): number => sub?.pid ?? -1;
  const isSshd = (p: ProcInfo) => p.comm === 'sshd';

  /** Per-connection monitors and their privsep/session children; user processes below them survive,
   *  as they would when a real connection dies. */
  const killSshdChildren = async (includeListener: boolean): Promise<void> => {
    const pids = await freezeTree(listenerPid(), isSshd, includeListener);
    if (pids.length > 0) await killPids(pids, 'SIGKILL');
  };

  await start();
  return {
    get pid() {
      return listenerPid();
    },
    killConnections: () => killSshdChildren(false),
    async restart() {
      if (stopped) throw new Error('restart() after stop()');
      await killSshdChildren(true);
      await sub;
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // Everything under the listener goes, including session commands, so nothing outlives the test.
      const pids = await freezeTree(listenerPid(), () => true, true);
      if (pids.length > 0) await killPids(pids, 'SIGKILL');
      await sub;
    },
  };
}
