import { parseListeners, scopeOfPort } from './listeners.js';
import { fromSshdT } from './remote-checks.js';
import { finding, type Finding, type ProbeRun } from './types.js';

/**
 * The probe asks for two -R ports in one ssh: on `*` and on 127.0.0.1, in that order, and
 * lists the host's listeners. sshd's answers arrive in request order.
 */
export const GATEWAY_REQUESTS = ['*', '127.0.0.1'] as const;

/** Each request's allocated port, or 'refused'; from ssh's own INFO lines. */
export function readAllocations(run: ProbeRun): Array<number | 'refused'> {
  const events: Array<number | 'refused'> = [];
  for (const line of run.stderr) {
    const allocated = /^Allocated port (\d+) for remote forward/.exec(line);
    if (allocated !== null) events.push(Number(allocated[1]));
    else if (/remote port forwarding failed for listen port/.test(line)) events.push('refused');
  }
  return events;
}

/** Whether -R port forwards work at all (for the tcp-forwarding check). */
export function remoteTcpState(run: ProbeRun): 'allowed' | 'refused' | 'unknown' {
  const events = readAllocations(run);
  if (events.some((e) => e !== 'refused')) return 'allowed';
  return events.length > 0 ? 'refused' : 'unknown';
}

/**
 * GatewayPorts, observed: `no` binds every -R on loopback, `yes` binds every -R on the
 * wildcard, `clientspecified` binds what was asked for. sshd gives no other sign of it.
 */
export function interpretGatewayPorts(run: ProbeRun, host: string, sshdT: Map<string, string>): Finding {
  const [wild, loop] = readAllocations(run);
  const configured = sshdT.get('gatewayports');
  if (wild === undefined || wild === 'refused') {
    return fromSshdT(
      'gateway-ports',
      configured,
      `not observed: sshd on ${host} ${wild === 'refused' ? 'refused -R port forwards' : 'gave no -R answer'}`,
    );
  }
  const listeners = parseListeners(run.stdout.join('\n'));
  const wildScope = scopeOfPort(listeners, wild);
  const loopScope = typeof loop === 'number' ? scopeOfPort(listeners, loop) : undefined;
  if (wildScope === undefined) {
    return fromSshdT(
      'gateway-ports',
      configured,
      `not observed: the -R listener did not show in ${host}'s socket list (no ss, netstat or /proc/net/tcp, or sshd runs in another network namespace)`,
    );
  }
  if (wildScope === 'loopback') {
    return finding(
      'gateway-ports',
      'ok',
      `GatewayPorts no on ${host}: -R ports listen on its loopback only, so other nodes cannot reach them (tunnel's -J route puts them on the target node instead)`,
      '',
      'no',
    );
  }
  if (wildScope === 'wildcard' && loopScope === 'wildcard') {
    return finding(
      'gateway-ports',
      'warn',
      `GatewayPorts yes on ${host}: every -R port listens on all its interfaces, even when you ask for 127.0.0.1, so anyone who reaches ${host} reaches your forwarded service`,
      'forward Unix sockets (-R /path:...) instead of ports, or use --to NODE so the listener sits on the node',
      'yes',
    );
  }
  if (wildScope === 'wildcard' && loopScope !== undefined) {
    return finding(
      'gateway-ports',
      'ok',
      `GatewayPorts clientspecified on ${host}: -R ports listen where you ask (give 127.0.0.1 to keep them private)`,
      '',
      'clientspecified',
    );
  }
  return fromSshdT(
    'gateway-ports',
    configured,
    `not decided: the -R listeners on ${host} showed scopes ${wildScope}/${loopScope ?? 'absent'}`,
  );
}
