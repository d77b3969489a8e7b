import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identifyProcess } from '../../../src/os/process-identity.js';
import { formatLock } from '../../../src/os/lock.js';
import { parseTunnelSpec } from '../../../src/model/tunnel.js';
import { planMux } from '../../../src/plan/mux.js';
import { leaseOf, leaveMaster } from '../../../src/supervise/mux-attempt.js';
import { runSsh } from '../../../src/ssh/run.js';
import { useChildren } from '../../support/state-home.js';

describe('leaseOf', () => {
  it('keeps what giving the lease back needs, and not the forward command', () => {
    const mux = planMux(parseTunnelSpec({ via: ['login'], to: 'node7', local: ['8888:localhost:8888'] }), '/run/tnl');
    const lease = leaseOf(mux, 'tunnel-nb');
    expect(lease).toEqual({
      controlPath: mux.controlPath,
      logFile: mux.logFile,
      master: mux.master,
      check: mux.check,
      cancel: mux.cancel,
      exit: mux.exit,
      usersDir: mux.usersDir,
      user: 'tunnel-nb',
    });
    expect('forward' in lease).toBe(false);
  });
});

describe('leaveMaster, with a fake ssh on PATH', () => {
  const children = useChildren();
  let dir: string;
  let savedPath: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnl-mux-'));
    await mkdir(join(dir, 'bin'));
    await mkdir(join(dir, 'users'));
    await writeFile(join(dir, 'bin', 'ssh'), `#!/bin/sh\necho "$*" >> '${join(dir, 'ssh.log')}'\n`);
    await chmod(join(dir, 'bin', 'ssh'), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${join(dir, 'bin')}:${savedPath ?? ''}`;
  });
  afterEach(async () => {
    process.env.PATH = savedPath;
    await rm(dir, { recursive: true, force: true });
  });

  const lease = () => ({
    master: ['ssh', 'master'],
    check: ['ssh', '-O', 'check'],
    cancel: ['ssh', '-O', 'cancel', 'mine'],
    exit: ['ssh', '-O', 'exit'],
    usersDir: join(dir, 'users'),
    user: 'me',
  });
  const sshRuns = () =>
    readFile(join(dir, 'ssh.log'), 'utf8').then(
      (t) => t.split('\n').filter(Boolean),
      () => [] as string[],
    );
  const addUser = (user: string, pid: number) =>
    writeFile(join(dir, 'users', user), formatLock(identifyProcess(pid) ?? { pid, start: 'gone' }));

  it('cancels its forwards but keeps the master while another live tunnel uses it; dead users are dropped', async () => {
    const other = await children.start('sleep', ['60']);
    await addUser('me', process.pid);
    await addUser('other', other.pid);
    await addUser('dead', spawnSync('true').pid);
    await leaveMaster(lease(), runSsh);
    expect(await sshRuns()).toEqual(['-O cancel mine']);
    expect(await readdir(join(dir, 'users'))).toEqual(['other']);
  });

  it('the last one out closes the master', async () => {
    await addUser('me', process.pid);
    await addUser('dead', spawnSync('true').pid);
    await leaveMaster(lease(), runSsh);
    expect(await sshRuns()).toEqual(['-O cancel mine', '-O exit']);
    expect(await readdir(join(dir, 'users'))).toEqual([]);
  });

  it('a user file naming a recycled pid (another start time) does not keep the master', async () => {
    const recycled = await children.start('sleep', ['60']);
    await writeFile(join(dir, 'users', 'old'), formatLock({ ...identifyProcess(recycled.pid)!, start: '1' }));
    await leaveMaster(lease(), runSsh);
    expect(await sshRuns()).toEqual(['-O cancel mine', '-O exit']);
  });
});
