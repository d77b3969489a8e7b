import { describe, expect, it } from 'vitest';
import { interpretGatewayPorts, readAllocations, remoteTcpState } from '../../../src/doctor/gateway.js';
import { probeRun } from './probe-run.js';

const allocated = (...ports: number[]) =>
  ports.map((p) => `Allocated port ${p} for remote forward to /tmp/tnl-doctor-x/nobody.sock:-2`);
const REFUSED = 'Warning: remote port forwarding failed for listen port 0';
const ss = (...rows: string[]) => [
  'State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess',
  ...rows.map((r) => `LISTEN 0      128    ${r}    0.0.0.0:*`),
];

describe('interpretGatewayPorts (requests: * then 127.0.0.1)', () => {
  it.each([
    [
      'no: both on loopback',
      allocated(40001, 40002),
      ss('127.0.0.1:40001', '[::1]:40001', '127.0.0.1:40002'),
      'ok',
      'no',
    ],
    [
      'yes: both on the wildcard, v4 and v6',
      allocated(40001, 40002),
      ss('0.0.0.0:40001', '[::]:40001', '0.0.0.0:40002', '[::]:40002'),
      'warn',
      'yes',
    ],
    [
      'clientspecified: * wide, 127.0.0.1 narrow',
      allocated(40001, 40002),
      ss('0.0.0.0:40001', '[::]:40001', '127.0.0.1:40002'),
      'ok',
      'clientspecified',
    ],
    ['listener missing from the table', allocated(40001, 40002), ss('127.0.0.1:22'), 'unknown', undefined],
    ['no listing tool at all', allocated(40001, 40002), [], 'unknown', undefined],
    ['-R refused', [REFUSED, REFUSED], ss('127.0.0.1:22'), 'unknown', undefined],
    ['no answer (connection dropped)', [], [], 'unknown', undefined],
  ])('%s', (_name, stderr, stdout, status, value) => {
    const found = interpretGatewayPorts(probeRun({ stderr, stdout }), 'login', new Map());
    expect(found).toMatchObject({ check: 'gateway-ports', status });
    expect(found.value).toBe(value);
    if (status !== 'ok') expect(found.detail).not.toBe('');
  });

  it('falls back to sshd -T, labelled, without claiming an observed value', () => {
    const found = interpretGatewayPorts(
      probeRun({ stderr: allocated(1, 2) }),
      'login',
      new Map([['gatewayports', 'clientspecified']]),
    );
    expect(found.status).toBe('unknown');
    expect(found.detail).toMatch(/sshd -T there says clientspecified \(its config file/);
    expect(found.value).toBeUndefined();
  });
});

describe('readAllocations / remoteTcpState', () => {
  it.each([
    [[...allocated(5), REFUSED], [5, 'refused'], 'allowed'],
    [[REFUSED, REFUSED], ['refused', 'refused'], 'refused'],
    [['debug1: something', 'Connection closed'], [], 'unknown'],
  ])('%j', (stderr, events, state) => {
    expect(readAllocations(probeRun({ stderr }))).toEqual(events);
    expect(remoteTcpState(probeRun({ stderr }))).toBe(state);
  });
});
