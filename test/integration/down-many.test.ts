import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tnl-down-many-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('down a b c', () => {
  it('handles every name: an unknown one is said and does not keep the next from being cleaned; the exit code is the worst', async () => {
    const env = { TUNNEL_HOME: home };
    // What an `up -d` killed before it took its lock leaves: the directory alone.
    await mkdir(join(home, 'tunnels', 'leftover'), { recursive: true, mode: 0o700 });
    const result = await runCli(['down', 'ghost', 'leftover'], env);
    expect(result.stderr).toMatch(/^tunnel: no running tunnel named 'ghost'; see 'tunnel ls'$/m);
    expect(result.stdout).toBe('down leftover (supervisor was dead; cleaned up after it)');
    expect(result.exitCode).toBe(6);
    expect(await readdir(join(home, 'tunnels'))).toEqual([]);
  });
});
