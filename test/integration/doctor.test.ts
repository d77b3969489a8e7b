import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/doctor/index.js';
import { listProcs, cmdline, waitFor } from '../harness/proc.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';

const CLI = process.env.TUNNEL_TEST_CLI ?? fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

// The harness config allows forwarding before `extra`; sshd keeps the first value, so
// restrictions go in a Match block, which overrides the global ones.
const SERVERS: Record<string, string[]> = {
  plain: [],
  open: ['GatewayPorts yes', 'StreamLocalBindUnlink yes'],
  nosocket: ['Match all', '  AllowStreamLocalForwarding no'],
  notcp: ['Match all', '  AllowTcpForwarding no'],
};

describe('tunnel doctor HOST against real sshds on loopback', { timeout: 60_000 }, () => {
  const sshds: TestSshd[] = [];
  let dir: string;
  let config: string;
  let stateHome: string;
  const results = new Map<string, { exitCode: number | undefined; findings: Finding[] }>();

  const doctor = async (alias: string) => {
    const result = await execa('node', [CLI, 'doctor', alias, '-F', config, '--json', '--connect-timeout', '5'], {
      reject: false,
      timeout: 45_000,
      stdin: 'ignore',
      env: { NO_COLOR: '1', TUNNEL_HOME: stateHome },
    });
    expect(result.stderr).toBe('');
    return { exitCode: result.exitCode, findings: JSON.parse(result.stdout) as Finding[] };
  };
  const check = (alias: string, name: string) => results.get(alias)!.findings.find((f) => f.check === name)!;
  const doctorSockets = async () => (await readdir('/tmp')).filter((n) => n.startsWith('tnl-doctor-'));

  beforeAll(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'tnl-doctor-it-'));
    stateHome = join(dir, 'state');
    await mkdir(join(stateHome, 'cm'), { recursive: true, mode: 0o700 });
    await leaveStaleSocket(join(stateHome, 'cm', 'deadbeef0000'));
    for (const [alias, extraConfig] of Object.entries(SERVERS)) {
      sshds.push(
        await startSshd({ alias, extraConfig, ...(sshds[0] ? { clientKeyPath: sshds[0].clientKeyPath } : {}) }),
      );
    }
    config = await writeClientConfig(dir, sshds);
    const before = await doctorSockets();
    // One at a time: the machine has 2 cores and the probes are timing-bounded.
    for (const alias of Object.keys(SERVERS)) results.set(alias, await doctor(alias));
    expect(await doctorSockets()).toEqual(before);
  }, 180_000);

  afterAll(async () => {
    for (const sshd of sshds.reverse()) await sshd.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('logs in and checks the client side', () => {
    for (const alias of Object.keys(SERVERS)) {
      expect(check(alias, 'login').status).toBe('ok');
      expect(check(alias, 'ssh-version')).toMatchObject({ status: 'ok', value: expect.stringMatching(/^\d+\.\d+/) });
      expect(check(alias, 'identity-files')).toMatchObject({
        status: 'ok',
        detail: expect.stringContaining(sshds[0]!.clientKeyPath),
      });
    }
  });

  it('reports GatewayPorts no (default) vs yes, observed from the listener table', () => {
    expect(check('plain', 'gateway-ports')).toMatchObject({ status: 'ok', value: 'no' });
    expect(check('open', 'gateway-ports')).toMatchObject({ status: 'warn', value: 'yes' });
    expect(check('open', 'gateway-ports').fix).not.toBe('');
  });

  it('reports StreamLocalBindUnlink no (default) vs yes by binding the same -R socket twice', () => {
    expect(check('plain', 'socket-bind-unlink')).toMatchObject({ status: 'ok', value: 'no' });
    expect(check('open', 'socket-bind-unlink')).toMatchObject({ status: 'ok', value: 'yes' });
  });

  it('proves socket forwarding with a round trip, and fails AllowStreamLocalForwarding no with the fix', () => {
    expect(check('plain', 'socket-forwarding')).toMatchObject({ status: 'ok', value: 'yes' });
    expect(check('nosocket', 'socket-forwarding')).toMatchObject({
      status: 'fail',
      value: 'no',
      fix: expect.stringContaining('AllowStreamLocalForwarding yes'),
    });
    expect(check('nosocket', 'tcp-forwarding')).toMatchObject({ status: 'ok', value: 'yes' });
    expect(results.get('nosocket')!.exitCode).toBe(2);
  });

  it('fails AllowTcpForwarding no, and says -R sockets are blocked by it too', () => {
    expect(check('notcp', 'tcp-forwarding')).toMatchObject({
      status: 'fail',
      value: 'refused',
      fix: expect.stringContaining('--strategy relay'),
    });
    expect(check('notcp', 'socket-forwarding')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('AllowTcpForwarding no blocks it too'),
    });
    expect(check('notcp', 'gateway-ports').status).toBe('unknown');
  });

  it('reads the remote home for socket path budget and permissions', () => {
    const home = os.homedir();
    expect(check('plain', 'socket-path-length')).toMatchObject({
      status: 'ok',
      value: String(107 - Buffer.byteLength(home) - 1),
    });
    expect(check('plain', 'home-permissions').detail).toContain(`$HOME on plain has mode`);
  });

  it('finds the stale ControlMaster socket in the state dir', () => {
    const stale = join(stateHome, 'cm', 'deadbeef0000');
    expect(check('plain', 'control-sockets')).toMatchObject({ status: 'warn', fix: `rm -- ${stale}` });
  });

  it('exits 1 for warnings only and leaves no probe process behind', async () => {
    expect(results.get('open')!.exitCode).toBe(1); // GatewayPorts yes + the stale control socket
    const leftovers = [];
    for (const proc of await listProcs())
      if ((await cmdline(proc.pid))?.includes('tnl-doctor-')) leftovers.push(proc.pid);
    expect(leftovers).toEqual([]);
  });

  it('reports an unreachable host as a failed login and skips the host checks', async () => {
    const closed = sshds[0]!;
    const cfg = join(dir, 'closed_config');
    await execa('sh', ['-c', `sed 's/Port ${closed.port}$/Port 1/' ${config} > ${cfg}`]);
    const result = await execa('node', [CLI, 'doctor', 'plain', '-F', cfg, '--json'], {
      reject: false,
      timeout: 30_000,
      env: { TUNNEL_HOME: stateHome },
    });
    const findings = JSON.parse(result.stdout) as Finding[];
    expect(result.exitCode).toBe(2);
    expect(findings.find((f) => f.check === 'login')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('Connection refused'),
    });
    expect(findings.filter((f) => f.status === 'unknown').map((f) => f.check)).toEqual([
      'tcp-forwarding',
      'socket-forwarding',
      'gateway-ports',
      'socket-bind-unlink',
      'socket-path-length',
      'home-permissions',
    ]);
  });
});

/** A socket file whose listener is gone: bound by a child we then SIGKILL (nothing unlinks it). */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGKILL');
  await waitFor(() => child.exitCode !== null || child.signalCode !== null, 5000, 'socket holder to die');
  expect(existsSync(path)).toBe(true);
}
