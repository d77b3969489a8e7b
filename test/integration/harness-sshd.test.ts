import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descendants, isAlive, waitFor } from '../harness/proc.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';

const ssh = (cfg: string, args: string[]) =>
  execa('ssh', ['-F', cfg, ...args], { reject: false, stdin: 'ignore', timeout: 20_000 });

const acceptedCount = async (s: TestSshd) =>
  ((await readFile(s.logPath, 'utf8')).match(/Accepted publickey/g) ?? []).length;

describe('test sshd harness', { timeout: 60_000 }, () => {
  let a: TestSshd;
  let b: TestSshd;
  let cfgDir: string;
  let cfg: string;

  beforeAll(async () => {
    a = await startSshd({ alias: 'hopA' });
    b = await startSshd({ alias: 'hopB', clientKeyPath: a.clientKeyPath });
    cfgDir = await mkdtemp(join(os.tmpdir(), 'tnl-client-'));
    cfg = await writeClientConfig(cfgDir, [a, b]);
  }, 30_000);

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    if (cfgDir) await rm(cfgDir, { recursive: true, force: true });
  });

  it('describes itself consistently', () => {
    expect(a.port).not.toBe(b.port);
    expect(a.hostPublicKey).toMatch(/^ssh-ed25519 AAAA\S+$/);
    expect(a.knownHostsLine).toBe(`[127.0.0.1]:${a.port} ${a.hostPublicKey}`);
    expect(b.clientKeyPath).toBe(a.clientKeyPath);
  });

  it('accepts a direct login with strict host-key checking', async () => {
    const r = await ssh(cfg, ['hopA', 'true']);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('chains two loopback sshds with -J', async () => {
    const before = await acceptedCount(b);
    const r = await ssh(cfg, ['-J', 'hopA', 'hopB', 'true']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await acceptedCount(b)).toBe(before + 1);
  });

  it('killConnections ends an ssh -N session but keeps the listener', async () => {
    // Several rounds, killing right after "Accepted publickey": that is when sshd forks the post-auth
    // child, which a naive snapshot-then-kill misses (it then keeps the session alive as an orphan).
    for (let round = 0; round < 5; round++) {
      const before = await acceptedCount(a);
      const session = ssh(cfg, ['-N', 'hopA']);
      await waitFor(async () => (await acceptedCount(a)) > before, 10_000, 'ssh -N to authenticate', 5);
      await a.killConnections();
      const r = await session;
      expect(r.timedOut, `round ${round}`).toBe(false);
      expect(r.exitCode, `round ${round}: ${r.stderr}`).toBe(255);
    }
    expect(await isAlive(a.pid)).toBe(true);
    const again = await ssh(cfg, ['hopA', 'true']);
    expect(again.exitCode, again.stderr).toBe(0);
  });

  it('restart keeps the port and host key', async () => {
    const oldPid = a.pid;
    await a.restart();
    expect(a.pid).not.toBe(oldPid);
    expect(await isAlive(oldPid)).toBe(false);
    const r = await ssh(cfg, ['hopA', 'true']);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('stop kills the listener and its session processes and removes the dir', async () => {
    const c = await startSshd({ alias: 'hopC', clientKeyPath: a.clientKeyPath });
    const cCfg = await writeClientConfig(await mkdtemp(join(os.tmpdir(), 'tnl-client-')), [c]);
    const session = ssh(cCfg, ['-N', 'hopC']);
    await waitFor(async () => (await acceptedCount(c)) > 0, 10_000, 'ssh -N to authenticate');
    const pids = [c.pid, ...(await descendants(c.pid)).map((p) => p.pid)];
    expect(pids.length).toBeGreaterThan(1);
    await c.stop();
    await c.stop();
    expect(await session.then((r) => r.exitCode)).toBe(255);
    for (const pid of pids) expect(await isAlive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(c.dir)).toBe(false);
    await rm(join(cCfg, '..'), { recursive: true, force: true });
  });
});
