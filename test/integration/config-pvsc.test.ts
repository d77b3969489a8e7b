import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tnl-pvsc-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('tunnel config paraview --pvsc', () => {
  it('writes a private .pvsc whose startup command runs tunnel up paraview with the given route', async () => {
    const file = join(dir, 'cluster.pvsc');
    const result = await runCli([
      'config',
      'paraview',
      '--pvsc',
      file,
      '--via',
      'login',
      '--to',
      'node7',
      '--launch',
      'mpiexec -n 4 pvserver',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const text = await readFile(file, 'utf8');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(text).toContain('resource="csrc://localhost:11111"');
    const args = [...text.matchAll(/<Argument value="([^"]*)"\/>/g)].map((m) => m[1]);
    expect(args).toEqual([
      'up',
      'paraview',
      '--via',
      'login',
      '--to',
      'node7',
      '--port',
      '11111',
      '--launch',
      'mpiexec -n 4 pvserver',
    ]);
  });

  it.each([
    [['config', 'jupyter', '--pvsc', '--via', 'login'], /--pvsc is for the paraview preset/],
    [['config', 'paraview', '--pvsc', 'x.pvsc'], /--via: the .pvsc needs the login node/],
    [['config', 'paraview', '--pvsc', 'x.pvsc', '--via', 'login', '--launch', 'pvserver; rm -rf ~ !'], /--launch/],
  ])('%j is refused with exit 2 and writes nothing', async (args, message) => {
    const result = await runCli(args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    await expect(stat(join(process.cwd(), 'x.pvsc'))).rejects.toThrow();
  });
});
