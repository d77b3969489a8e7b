import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePresetUp, startPreset, type StartedPreset } from '../../src/presets/index.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';

/*
 * A machine behind NAT (its own sshd on loopback, "natbox") publishes that sshd on the jump
 * host with -R 0; a user then reaches it with nothing but the printed ssh_config entry.
 */
describe('expose preset: a NAT-ed sshd reachable through the jump host', { timeout: 60_000 }, () => {
  let jump: TestSshd;
  let natbox: TestSshd;
  let dir: string;
  let cfg: string;
  let started: StartedPreset | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'tnl-expose-'));
    jump = await startSshd({ alias: 'jump' });
    natbox = await startSshd({ alias: 'natbox', clientKeyPath: jump.clientKeyPath });
    cfg = await writeClientConfig(dir, [jump]);
  }, 60_000);

  afterAll(async () => {
    await started?.down().catch(() => undefined);
    await natbox?.stop();
    await jump?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports the allocated port and an entry with which `ssh -F FILE NAME true` works', async () => {
    const presetUp = await resolvePresetUp('expose', {
      via: ['jump'],
      port: natbox.port,
      name: 'lab-pc',
      sshConfig: cfg,
      batchMode: true,
    });
    expect(presetUp.dryRun().join('\n')).toContain(`-R 0:localhost:${natbox.port} jump`);
    started = await startPreset(presetUp, { readyTimeoutMs: 20_000 });
    const port = Number(started.report.json.remotePort);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(natbox.port);
    const entry = String(started.report.json.sshConfigEntry);
    expect(entry).toBe(`Host lab-pc\n  HostName localhost\n  Port ${port}\n  HostKeyAlias lab-pc\n  ProxyJump jump\n`);
    expect(started.report.lines.join('\n')).toContain(entry.trimEnd());

    // The user's side: the printed entry, their identity for it, the jump host's block, and
    // known_hosts keyed by the alias (HostKeyAlias), so host-key checking stays strict.
    const knownHosts = join(dir, 'user_known_hosts');
    await writeFile(knownHosts, `lab-pc ${natbox.hostPublicKey}\n`, { mode: 0o600 });
    const userConfig = join(dir, 'user_ssh_config');
    const identity = [
      'Host lab-pc',
      `  User ${natbox.user}`,
      `  IdentityFile ${natbox.clientKeyPath}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHosts}`,
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '',
    ].join('\n');
    await writeFile(userConfig, `${entry}\n${identity}\n${await readFile(cfg, 'utf8')}`, { mode: 0o600 });

    const t0 = Date.now();
    const r = await execa('ssh', ['-F', userConfig, 'lab-pc', 'echo through-$((6*7))'], {
      reject: false,
      stdin: 'ignore',
      timeout: 20_000,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('through-42');
    console.info(`expose: ssh through the printed entry answered in ${Date.now() - t0} ms`);
    expect(await readFile(natbox.logPath, 'utf8')).toMatch(/Accepted publickey .* from 127\.0\.0\.1/);
  });
});
