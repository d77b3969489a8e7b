import { existsSync, mkdtempSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/* The built CLI (dist/): `tunnel apps` and `tunnel worker`, exit codes included. */
const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
// An empty private state and config: `tunnel worker` looks NAME up among running and saved tunnels.
const home = mkdtempSync(join(os.tmpdir(), 'tnl-cli-home-'));
const env = { NO_COLOR: '1', TUNNEL_HOME: join(home, 'state'), TUNNEL_CONFIG_DIR: join(home, 'config') };
const tunnel = (args: string[]) =>
  execa(process.execPath, [cli, ...args], { reject: false, stdin: 'ignore', timeout: 20_000, env });

describe.skipIf(!existsSync(cli))('tunnel apps / tunnel worker (built CLI)', { timeout: 30_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'tnl-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  });

  it('apps lists every preset with a one-line description, as text and JSON', async () => {
    const text = await tunnel(['apps']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout.split('\n').map((l) => l.split(/\s+/)[0])).toEqual([
      'expose',
      'jupyter',
      'paraview',
      'workqueue',
    ]);
    const json = await tunnel(['apps', '--json']);
    const list = JSON.parse(json.stdout) as Array<{ name: string; kind: string; description: string }>;
    expect(list.map((p) => [p.name, p.kind])).toEqual([
      ['expose', 'reverse'],
      ['jupyter', 'server'],
      ['paraview', 'reverse'],
      ['workqueue', 'reverse'],
    ]);
  });

  it('worker writes an executable, private job script that bash accepts', async () => {
    const out = join(dir, 'wq.sbatch');
    const r = await tunnel([
      'worker',
      'workqueue',
      'wq1',
      '--head',
      'headnode',
      '--head-port',
      '40001',
      '--scheduler',
      'slurm',
      '--count',
      '4',
      '-o',
      out,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await stat(out)).mode & 0o777).toBe(0o700);
    const script = await readFile(out, 'utf8');
    expect(script).toContain('#SBATCH --array=1-4');
    expect((await execa('bash', ['-n', out], { reject: false })).exitCode).toBe(0);
  });

  it.each([
    [
      ['worker', 'workqueue', 'wq1', '--head-port', '1'],
      6,
      /^tunnel: worker: no running or saved workqueue tunnel named 'wq1' to take the head node from \(no tunnels are running or saved\); pass --head HOST$/,
    ],
    [['worker', 'workqueue', 'wq1'], 6, /; pass --head HOST and --head-port PORT$/],
    [['worker', 'jupyter', 'wq1', '--head', 'h', '--head-port', '1'], 2, /the 'jupyter' preset has no worker script/],
    [['worker', 'nope', 'wq1', '--head', 'h', '--head-port', '1'], 6, /no preset 'nope'/],
    [
      ['worker', 'workqueue', 'wq1', '--head', 'h', '--head-port', '1', '--scheduler', 'pbs'],
      2,
      /--scheduler 'pbs': expected slurm or none/,
    ],
  ])('%j exits %i with a clear message', async (args, code, message) => {
    const r = await tunnel(args);
    expect(r.exitCode).toBe(code);
    expect(r.stderr).toMatch(message);
  });
});
