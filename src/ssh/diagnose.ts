import { TunnelError, type ErrorCode } from '../errors.js';
import type { SshProgress } from './progress.js';

interface Rule {
  pattern: RegExp;
  code: ErrorCode;
  advice: string;
}

/** OpenSSH's own failure messages, most specific first, each with what the user can do. */
const RULES: Rule[] = [
  {
    pattern: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/,
    code: 'HOST_KEY_MISMATCH',
    advice:
      'the host key changed; verify it out of band, then fix known_hosts (ssh-keygen -R HOST). It is never accepted automatically',
  },
  {
    pattern: /No \S+ host key is known for|Host key verification failed/,
    code: 'HOST_KEY_UNKNOWN',
    advice:
      'the host key is not in known_hosts; verify and record it by connecting once with plain ssh through the same hops (ssh -J LOGIN HOST), or let the login node check it with --strategy relay',
  },
  {
    pattern: /Permission denied \((?:[^)]*(?:password|keyboard-interactive)[^)]*)\)/,
    code: 'NEEDS_AUTH',
    advice:
      'the server wants a password or one-time code; run it from a terminal (for a background tunnel: tunnel up ... -d --multiplex, which authenticates once there and lets the background reuse that connection)',
  },
  {
    pattern: /Permission denied \(|Too many authentication failures/,
    code: 'AUTH_FAILED',
    advice: 'authentication was refused; check the user name and that your key is in authorized_keys (ssh-add -l)',
  },
  {
    pattern: /administratively prohibited/,
    code: 'FORWARD_REFUSED',
    advice:
      'the server forbids this forward (AllowTcpForwarding / AllowStreamLocalForwarding); ask the admins or try --strategy relay',
  },
  {
    pattern: /remote port forwarding failed for listen (?:port|path)/,
    code: 'FORWARD_REFUSED',
    advice:
      'the remote listener could not be bound (in use, or forbidden by the server); pick another remote port or socket',
  },
  {
    pattern: /unix_listener: cannot bind to path .*: Address already in use/,
    code: 'SOCKET_IN_USE',
    advice: 'the local socket is in use by a live process; pick another path or stop that process',
  },
  {
    pattern: /bind \[?[^\]]*\]?:\d+: Address already in use|cannot listen to port/,
    code: 'PORT_IN_USE',
    advice: 'the local port is already taken; pick another port (or 0 is not allowed for -L: choose a free one)',
  },
  {
    pattern: /unix_listener: cannot bind to path|cannot bind to path/,
    code: 'FORWARD_REFUSED',
    advice: 'the socket could not be bound; check that its directory exists and is writable',
  },
  {
    pattern: /forwarding request failed|Port forwarding failed/,
    code: 'FORWARD_REFUSED',
    advice:
      'the shared connection refused the forward (port in use, or forbidden by the server); see the master log in the state dir',
  },
  {
    pattern: /Could not resolve hostname|Name or service not known/,
    code: 'CONNECT_FAILED',
    advice: 'the host name does not resolve; check the spelling or your ~/.ssh/config Host entry',
  },
  {
    pattern: /stdio forwarding failed|channel \d+: open failed/,
    code: 'CONNECT_FAILED',
    advice: 'a hop could not open the connection to the next one; check that the next host is reachable from it',
  },
  {
    pattern:
      /connect to host .* port \d+: |Connection timed out during banner exchange|kex_exchange_identification|Connection (?:closed|reset) by/,
    code: 'CONNECT_FAILED',
    advice: 'the host could not be reached; check the network, the host and port, or the hop before it',
  },
  {
    pattern: /Timeout, server .* not responding/,
    code: 'SSH_EXITED',
    advice: 'keepalives got no answer: the link went dead',
  },
  {
    pattern: /^ssh: .*(?:No such file|not found)|ssh: command not found/,
    code: 'SSH_NOT_FOUND',
    advice: 'ssh was not found on the relay hop; install OpenSSH there or use --strategy jump',
  },
];

/** Turns an ssh that exited (or never became ready) into a TunnelError naming the hop and OpenSSH's reason. */
export function diagnose(
  progress: SshProgress,
  facts: { argv: readonly string[]; exitCode: number | null; signal: string | null; hop: string; notFound?: boolean },
): TunnelError {
  if (facts.notFound) {
    return new TunnelError(
      'SSH_NOT_FOUND',
      `${facts.argv[0] ?? 'ssh'} was not found on PATH; install the OpenSSH client (Debian: apt install openssh-client)`,
      { argv: facts.argv, exitCode: null, signal: null },
    );
  }
  // Rules are ranked: the most specific reason wins, and its first occurrence is the cause.
  for (const rule of RULES) {
    const line = progress.tail.find((l) => rule.pattern.test(l));
    if (line === undefined) continue;
    const hop = progress.lastHost ?? facts.hop;
    return new TunnelError(rule.code, `${hop}: ${line.trim()} — ${rule.advice}`, {
      ...facts,
      hop,
      sshMessage: line.trim(),
      authenticatedHops: progress.authenticated,
    });
  }
  const last = progress.tail[progress.tail.length - 1]?.trim();
  const how = facts.signal !== null ? `was killed by ${facts.signal}` : `exited with code ${String(facts.exitCode)}`;
  return new TunnelError('SSH_EXITED', `${facts.hop}: ssh ${how}${last === undefined ? '' : `: ${last}`}`, {
    ...facts,
    sshMessage: last,
    authenticatedHops: progress.authenticated,
  });
}
