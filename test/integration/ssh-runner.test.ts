import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../src/supervise/up.js';
import { sshRunner, type SshRunner } from '../../src/ssh/runner.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { httpGet } from '../support/http.js';
import { freePort } from '../support/processes.js';

// Two chained sshds on loopback (hopA the login node, hopB the node), and an `ssh` first on PATH
// that logs every invocation: the runner handed to up() must have seen each one of them.
let hopA: TestSshd;
let hopB: TestSshd;
let dir: string;
let config: string;
let appSocket: string;
let app: Awaited<ReturnType<typeof startApp>>;
const saved = { path: process.env.PATH, home: process.env.TUNNEL_HOME };

beforeAll(async () => {
  hopA = await startSshd({ alias: 'hopA' });
  hopB = await startSshd({ alias: 'hopB', clientKeyPath: hopA.clientKeyPath });
  dir = await mkdtemp(join(tmpdir(), 'tnl-runner-'));
  config = await writeClientConfig(dir, [hopA, hopB]);
  appSocket = join(dir, 'app.sock');
  app = await startApp(appSocket, 'through the runner');
  const real = (await execa('sh', ['-c', 'command -v ssh'])).stdout.trim();
  await writeFile(
    join(dir, 'ssh'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${join(dir, 'invocations')}'\nexec '${real}' "$@"\n`,
  );
  await chmod(join(dir, 'ssh'), 0o755);
  process.env.PATH = `${dir}:${saved.path ?? ''}`;
  process.env.TUNNEL_HOME = join(dir, 'state');
});

afterAll(async () => {
  process.env.PATH = saved.path;
  if (saved.home === undefined) delete process.env.TUNNEL_HOME;
  else process.env.TUNNEL_HOME = saved.home;
  await app?.stop();
  await hopB?.stop();
  await hopA?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The system's ssh, with every argv it is handed written down first. */
function recording(): SshRunner & { seen: string[][] } {
  const real = sshRunner();
  const seen: string[][] = [];
  return {
    seen,
    run: (argv, options) => (seen.push([...argv]), real.run(argv, options)),
    spawn: (argv, options) => (seen.push([...argv]), real.spawn(argv, options)),
  };
}

async function invocations(): Promise<string[]> {
  const text = await readFile(join(dir, 'invocations'), 'utf8').catch(() => '');
  await writeFile(join(dir, 'invocations'), '');
  return text.split('\n').filter(Boolean);
}

describe('one ssh runner, handed to up()', () => {
  it('sees every ssh of a --multiplex tunnel through a hop: the master, its checks, -O forward, -O cancel and -O exit', async () => {
    await invocations();
    const ssh = recording();
    const port = await freePort();
    const tunnel = await up(
      { sshConfig: config, via: ['hopA'], to: 'hopB', local: [`${port}:${appSocket}`], multiplex: true },
      { ssh, healthIntervalMs: 0 },
    );
    expect((await httpGet({ port })).body).toBe('through the runner');
    await tunnel.down();
    const ops = ssh.seen.map((argv) =>
      argv.includes('-O')
        ? argv[argv.indexOf('-O') + 1]
        : argv.some((w) => /^ControlMaster=(yes|auto)$/.test(w)) || argv.includes('-M')
          ? 'master'
          : argv.join(' '),
    );
    expect(ops).toEqual(expect.arrayContaining(['master', 'check', 'forward', 'cancel', 'exit']));
    expect(ssh.seen).toHaveLength((await invocations()).length);
  });

  it('sees the remote socket cleanup of a -R socket forward too, and nothing runs past it', async () => {
    await invocations();
    const ssh = recording();
    const remote = join(dir, `r-${process.pid}.sock`);
    const tunnel = await up(
      { sshConfig: config, to: 'hopA', remote: [`${remote}:${appSocket}`] },
      { ssh, healthIntervalMs: 0 },
    );
    await tunnel.down();
    expect(ssh.seen.length).toBeGreaterThanOrEqual(2); // the tunnel, then the short ssh that removes the socket on hopA
    expect(ssh.seen.some((argv) => argv.some((word) => word.includes('rm -f')) || argv.at(-1)?.includes(remote))).toBe(
      true,
    );
    expect(ssh.seen).toHaveLength((await invocations()).length);
  });
});
