import { diagnose } from '../ssh/diagnose.js';
import { emptyProgress, readLine } from '../ssh/progress.js';
import { finding, type Finding, type ProbeRun } from './types.js';

/** What the login probe's remote script printed (key=value lines, `sshd: key value` from sshd -T). */
export interface RemoteInfo {
  user?: string;
  home?: string;
  os?: string;
  homeMode?: number;
  homeOwner?: number;
  uid?: number;
  tmpWritable: boolean;
  /** sshd -T, when the remote user may run it (usually only root). */
  sshdT: Map<string, string>;
}

export function parseRemoteInfo(lines: readonly string[]): RemoteInfo {
  const values = new Map<string, string>();
  const sshdT = new Map<string, string>();
  for (const line of lines) {
    const sshd = /^sshd: (\S+) (.*)$/.exec(line);
    if (sshd !== null) sshdT.set(sshd[1]!.toLowerCase(), sshd[2]!.trim());
    const pair = /^([a-z]+)=(.*)$/.exec(line);
    if (pair !== null && !values.has(pair[1]!)) values.set(pair[1]!, pair[2]!.trim());
  }
  const text = (key: string) => (values.get(key) ? values.get(key) : undefined);
  const number = (key: string, radix: number) => {
    const value = text(key);
    return value !== undefined && /^[0-9a-f]+$/i.test(value) ? Number.parseInt(value, radix) : undefined;
  };
  const info: RemoteInfo = { tmpWritable: text('tmp') === 'writable', sshdT };
  const assign = <K extends keyof RemoteInfo>(key: K, value: RemoteInfo[K] | undefined) => {
    if (value !== undefined) info[key] = value;
  };
  assign('user', text('user'));
  assign('home', text('home'));
  assign('os', text('os'));
  assign('homeMode', number('homemode', 8));
  assign('homeOwner', number('homeowner', 10));
  assign('uid', number('uid', 10));
  return info;
}

/** The login probe: can we get in non-interactively, and if not, OpenSSH's reason. */
export function interpretLogin(run: ProbeRun, host: string, argv: readonly string[], connectTimeout: number): Finding {
  if (run.exitCode === 0 && run.stdout.some((line) => line.startsWith('home='))) {
    const user = parseRemoteInfo(run.stdout).user;
    return finding(
      'login',
      'ok',
      `logged in to ${host}${user === undefined ? '' : ` as ${user}`} without prompting in ${(run.ms / 1000).toFixed(1)} s`,
    );
  }
  if (run.timedOut) {
    return finding(
      'login',
      'fail',
      `${host} did not answer within ${connectTimeout} s`,
      'check the host name, the network or VPN, and the hops before it; or raise --connect-timeout',
    );
  }
  let progress = emptyProgress();
  for (const line of run.stderr) progress = readLine(progress, line, 'stderr');
  const error = diagnose(progress, { argv, exitCode: run.exitCode, signal: run.signal, hop: host });
  const [what, advice] = splitAdvice(error.message);
  if (error.code === 'NEEDS_AUTH') {
    return finding(
      'login',
      'warn',
      `${what}: ${host} wants a password or one-time code, and doctor never prompts; host checks skipped`,
      `log in once with ssh ${host} in a terminal, or share a ControlMaster connection; then run doctor again`,
    );
  }
  return finding('login', 'fail', what, advice ?? `run ssh -v ${host} true to see why`);
}

function splitAdvice(message: string): [string, string | undefined] {
  const at = message.indexOf(' — ');
  return at === -1 ? [message, undefined] : [message.slice(0, at), message.slice(at + 3)];
}

/** Remote checks that cannot run because the login failed. */
export function skipped(check: string, reason: string): Finding {
  return finding(check, 'unknown', `not checked: ${reason}`, '');
}

const said = (run: ProbeRun, pattern: RegExp) => [...run.stderr, ...run.stdout].some((line) => pattern.test(line));

/**
 * TCP forwarding, both ways: `ssh -W 127.0.0.1:PORT` opens the same direct-tcpip channel as
 * -L and -J (a banner or "connect failed" means the server tried); -R is read off the
 * GatewayPorts probe.
 */
export function interpretTcpForwarding(
  local: ProbeRun,
  remote: 'allowed' | 'refused' | 'unknown',
  host: string,
): Finding {
  const localState = said(local, /administratively prohibited/)
    ? 'refused'
    : local.stdout.some((line) => line.startsWith('SSH-')) || said(local, /open failed: connect failed/)
      ? 'allowed'
      : 'unknown';
  if (localState === 'refused') {
    return finding(
      'tcp-forwarding',
      'fail',
      `sshd on ${host} refuses -L and -J port forwards (administratively prohibited: AllowTcpForwarding or PermitOpen)`,
      'ask the admins for AllowTcpForwarding yes, or use --strategy relay (ssh runs on the login node itself)',
      'refused',
    );
  }
  if (localState === 'unknown') {
    const last = local.stderr[local.stderr.length - 1];
    return finding(
      'tcp-forwarding',
      'unknown',
      `the -W probe gave no answer${local.timedOut ? ' in time' : ''}${last === undefined ? '' : `: ${last}`}`,
      `try ssh -W 127.0.0.1:22 ${host} by hand`,
    );
  }
  if (remote === 'refused') {
    return finding(
      'tcp-forwarding',
      'warn',
      `sshd on ${host} allows -L but refuses -R port forwards (AllowTcpForwarding local)`,
      'start -R from another host, or ask the admins for AllowTcpForwarding yes',
      'local',
    );
  }
  return finding(
    'tcp-forwarding',
    'ok',
    `sshd on ${host} allows -L/-J${remote === 'allowed' ? ' and -R' : ''} port forwards`,
    '',
    remote === 'allowed' ? 'yes' : 'local',
  );
}

export type Outcome = 'ok' | 'refused' | 'unknown';

/** The round trip: -L from here to a socket that a -R of the same ssh created on the host. */
export interface SocketProbe {
  remoteBind: Outcome;
  roundTrip: Outcome;
  message?: string;
}

export function interpretSocketForwarding(probe: SocketProbe, host: string, tmpWritable: boolean): Finding {
  if (probe.roundTrip === 'ok') {
    return finding(
      'socket-forwarding',
      'ok',
      `-L to a socket and -R of a socket both work on ${host} (a test connection went there and back)`,
      '',
      'yes',
    );
  }
  if (probe.remoteBind === 'refused' && !tmpWritable) {
    return finding(
      'socket-forwarding',
      'unknown',
      `/tmp on ${host} is not writable, so no test socket could be bound`,
      `check /tmp on ${host}`,
    );
  }
  if (probe.remoteBind === 'refused') {
    return finding(
      'socket-forwarding',
      'fail',
      `sshd on ${host} refused a socket listener (-R /path): AllowStreamLocalForwarding is no or local (AllowTcpForwarding no blocks it too); -L to sockets could not be tested`,
      'ask the admins for AllowStreamLocalForwarding yes, or forward TCP ports instead of sockets (-L 8888:localhost:8888)',
      'no',
    );
  }
  if (probe.remoteBind === 'ok' && probe.roundTrip === 'refused') {
    return finding(
      'socket-forwarding',
      'fail',
      `sshd on ${host} binds -R sockets but refuses forwards to sockets (-L PORT:/path): AllowStreamLocalForwarding remote`,
      'ask the admins for AllowStreamLocalForwarding yes, or use TCP ports on the remote side',
      'remote',
    );
  }
  return finding(
    'socket-forwarding',
    'unknown',
    `the socket probe did not finish${probe.message === undefined ? '' : `: ${probe.message}`}`,
    `try ssh -L /tmp/t.sock:/tmp/x.sock ${host} by hand`,
  );
}

/** Binding the same -R socket path a second time: only StreamLocalBindUnlink yes on the server replaces the leftover. */
export function interpretBindUnlink(
  firstBind: Outcome,
  second: ProbeRun | undefined,
  host: string,
  sshdT: Map<string, string>,
): Finding {
  if (firstBind !== 'ok' || second === undefined) {
    return fromSshdT(
      'socket-bind-unlink',
      sshdT.get('streamlocalbindunlink'),
      'not observed: -R socket listeners did not work',
    );
  }
  if (said(second, /remote port forwarding failed for listen path/)) {
    return finding(
      'socket-bind-unlink',
      'ok',
      `StreamLocalBindUnlink no on ${host} (the default): a socket left by a dead -R blocks the next bind; tunnel removes its own leftovers first`,
      '',
      'no',
    );
  }
  if (second.exitCode === 0 && second.stdout.includes('rebound')) {
    return finding(
      'socket-bind-unlink',
      'ok',
      `StreamLocalBindUnlink yes on ${host}: sshd replaces a leftover -R socket itself`,
      '',
      'yes',
    );
  }
  return finding(
    'socket-bind-unlink',
    'unknown',
    `the second bind gave no clear answer (exit ${String(second.exitCode)})`,
    '',
  );
}

/** Fallback when a probe could not decide: what `sshd -T` on the host says, labelled as such. */
export function fromSshdT(check: string, value: string | undefined, why: string): Finding {
  if (value === undefined) return finding(check, 'unknown', why, '');
  return finding(
    check,
    'unknown',
    `${why}; sshd -T there says ${value} (its config file; the server that answered may differ)`,
  );
}

/** sun_path is 108 bytes on Linux, 104 on the BSDs and macOS (both counting the NUL). */
export function interpretPathLength(info: RemoteInfo, host: string): Finding {
  if (info.home === undefined) return finding('socket-path-length', 'unknown', `could not read $HOME on ${host}`, '');
  const limit = info.os === 'Linux' ? 107 : 103;
  const left = limit - Buffer.byteLength(info.home) - 1;
  const detail = `$HOME on ${host} is ${Buffer.byteLength(info.home)} bytes (${info.home}); sockets under it have ${left} bytes left of ${limit}`;
  if (left < 24)
    return finding(
      'socket-path-length',
      left < 8 ? 'fail' : 'warn',
      detail,
      'put remote sockets under /tmp (e.g. /tmp/$USER-app.sock)',
      String(left),
    );
  return finding('socket-path-length', 'ok', detail, '', String(left));
}

/** A home others can write to: sshd's StrictModes refuses keys, and sockets there can be swapped. */
export function interpretHomePermissions(info: RemoteInfo, host: string): Finding {
  if (info.homeMode === undefined) return finding('home-permissions', 'unknown', `could not stat $HOME on ${host}`, '');
  const mode = info.homeMode.toString(8);
  if (info.homeOwner !== undefined && info.uid !== undefined && info.homeOwner !== info.uid) {
    return finding(
      'home-permissions',
      'warn',
      `$HOME on ${host} is owned by uid ${info.homeOwner}, not you (uid ${info.uid})`,
      'ask the admins to fix the owner of your home directory',
      mode,
    );
  }
  if ((info.homeMode & 0o022) !== 0) {
    return finding(
      'home-permissions',
      'warn',
      `$HOME on ${host} is writable by group or others (mode ${mode}): StrictModes refuses key logins, and others could replace sockets there`,
      `ssh ${host} 'chmod go-w ~'`,
      mode,
    );
  }
  const tmp = info.tmpWritable
    ? '; /tmp is writable for relay sockets'
    : '; /tmp is NOT writable, so --strategy relay cannot work there';
  return finding(
    'home-permissions',
    info.tmpWritable ? 'ok' : 'warn',
    `$HOME on ${host} has mode ${mode}${tmp}`,
    info.tmpWritable ? '' : 'use --strategy jump',
    mode,
  );
}
