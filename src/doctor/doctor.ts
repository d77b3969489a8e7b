import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../model/defaults.js';
import { destinationOf } from '../plan/destination.js';
import { parseHop } from '../model/hop.js';
import type { SpawnSsh } from '../ssh/process.js';
import { sshRunner } from '../ssh/runner.js';
import { askSshG } from '../ssh/ssh-g.js';
import type { RunSsh, SshResult } from '../ssh/run.js';
import { stateHome } from '../os/state-paths.js';
import { gatewayArgv, loginArgv, tcpArgv, type ProbeTarget } from './argv.js';
import { interpretGatewayPorts, remoteTcpState } from './gateway.js';
import {
  expandIdentityPath,
  interpretAgent,
  interpretControlSockets,
  interpretIdentityFiles,
  interpretSshVersion,
  type CommandResult,
} from './local-checks.js';
import { readIdentityFiles, scanControlSockets } from './local-probes.js';
import * as remote from './remote-checks.js';
import { runProbe } from './run.js';
import { probeSockets } from './socket-probe.js';
import { finding, type Finding } from './types.js';

export interface DoctorOptions {
  /** Check this host too: `[user@]host[:port]` or an ssh_config alias. */
  host?: string | undefined;
  /** `-F FILE` for every ssh. */
  sshConfig?: string | undefined;
  /** ConnectTimeout for every probe, seconds (default 10). */
  connectTimeout?: number | undefined;
  /** Where tunnel keeps ControlMaster sockets (default: the state dir's cm/). */
  controlDir?: string | undefined;
  spawn?: SpawnSsh;
  /** Runner for the local commands (ssh -V, ssh -G, ssh-add -l). */
  run?: RunSsh;
}

const HOST_CHECKS = [
  'tcp-forwarding',
  'socket-forwarding',
  'gateway-ports',
  'socket-bind-unlink',
  'socket-path-length',
  'home-permissions',
];

/** Runs every check and returns one finding each, in a stable order. Never throws for what it finds. */
export async function runDoctor(options: DoctorOptions = {}): Promise<Finding[]> {
  const hop = options.host === undefined ? undefined : parseHop(options.host, 'HOST');
  const { run, spawn } = sshRunner(options);
  const local = (argv: string[]) => run(argv, { timeoutMs: 10_000 }).then(commandResultOf);
  const controlDir = options.controlDir ?? join(stateHome(), 'cm');
  const version = interpretSshVersion(await local(['ssh', '-V']));
  if (version.status === 'fail' && version.value === undefined) return [version];

  const [resolved, agent, sockets] = await Promise.all([
    askSshG(hop === undefined ? 'localhost' : destinationOf(hop), {
      sshConfig: options.sshConfig,
      port: hop?.port,
      run,
    }),
    local(['ssh-add', '-l']),
    scanControlSockets(controlDir),
  ]);
  const controlFinding = interpretControlSockets(controlDir, sockets);
  if (!resolved.ok) {
    return [
      version,
      finding(
        'ssh-config',
        'fail',
        `ssh -G rejected the configuration: ${resolved.message}`,
        'fix the ssh_config file it names',
      ),
      controlFinding,
    ];
  }
  const sshG = resolved.settings;
  const identities = await readIdentityFiles(
    (sshG.get('identityfile') ?? []).map((p) => expandIdentityPath(p, os.homedir(), os.userInfo().username)),
  );
  const agentKeys = agent.exitCode === 0 ? agent.stdout.split('\n').filter((l) => l.trim() !== '').length : 0;
  const found = [
    version,
    interpretAgent(agent, identities),
    interpretIdentityFiles(identities, agentKeys, options.host),
    controlFinding,
  ];
  if (hop === undefined || options.host === undefined) return found;

  const target: ProbeTarget = {
    hop,
    sshConfig: options.sshConfig,
    connectTimeout: options.connectTimeout ?? DEFAULTS.connectTimeout,
  };
  return [...found, ...(await checkHost(target, options.host, Number(sshG.get('port')?.[0] ?? 22), spawn))];
}

function commandResultOf(result: SshResult): CommandResult {
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, missing: result.notFound === true };
}

async function checkHost(target: ProbeTarget, host: string, port: number, spawn: SpawnSsh): Promise<Finding[]> {
  // Every hop may take ConnectTimeout, and the probes do a little work once in.
  const timeoutMs = (target.connectTimeout * 2 + 10) * 1000;
  const loginArgs = loginArgv(target);
  const login = await runProbe(spawn, loginArgs, { timeoutMs });
  const loginFinding = remote.interpretLogin(login, host, loginArgs, target.connectTimeout);
  if (loginFinding.status !== 'ok')
    return [loginFinding, ...HOST_CHECKS.map((check) => remote.skipped(check, `could not log in to ${host}`))];

  const info = remote.parseRemoteInfo(login.stdout);
  const localDir = await mkdtemp(join(os.tmpdir(), 'tnl-doctor-'));
  try {
    const [tcp, gateway, sockets] = await Promise.all([
      runProbe(spawn, tcpArgv(target, port), {
        timeoutMs,
        keepStdinOpen: true,
        until: (line, stream) =>
          (stream === 'stdout' && line.startsWith('SSH-')) || /open failed|stdio forwarding failed/.test(line),
      }),
      runProbe(spawn, gatewayArgv(target, join(localDir, 'nobody.sock')), { timeoutMs }),
      probeSockets(spawn, target, localDir, timeoutMs),
    ]);
    return [
      loginFinding,
      remote.interpretTcpForwarding(tcp, remoteTcpState(gateway), host),
      remote.interpretSocketForwarding(sockets.probe, host, info.tmpWritable),
      interpretGatewayPorts(gateway, host, info.sshdT),
      remote.interpretBindUnlink(sockets.probe.remoteBind, sockets.rebind, host, info.sshdT),
      remote.interpretPathLength(info, host),
      remote.interpretHomePermissions(info, host),
    ];
  } finally {
    await rm(localDir, { recursive: true, force: true });
  }
}
