import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { runCli, startCli } from '../support/cli.js';
import { waitFor } from '../support/processes.js';

/* `tunnel up jupyter` through the CLI, foreground and background, against real sshds and Debian's Jupyter. */
const hasJupyter = existsSync('/usr/bin/jupyter');

describe.skipIf(!hasJupyter)('tunnel up jupyter (CLI)', { timeout: 90_000 }, () => {
  let login: TestSshd;
  let node: TestSshd;
  let dir: string;
  let cfg: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'tnl-jupcli-'));
    const jupyterConfig = join(dir, 'jupyter-config');
    await mkdir(jupyterConfig);
    // As root, Jupyter needs allow_root; given through the node sshd's SetEnv (the preset's command is unchanged).
    await writeFile(
      join(jupyterConfig, 'jupyter_notebook_config.json'),
      JSON.stringify({ NotebookApp: { allow_root: true } }),
    );
    const setEnv = `SetEnv JUPYTER_CONFIG_DIR=${jupyterConfig} JUPYTER_RUNTIME_DIR=${join(dir, 'runtime')} PATH=/usr/bin:/bin`;
    login = await startSshd({ alias: 'login' });
    node = await startSshd({ alias: 'isolated-node', clientKeyPath: login.clientKeyPath, extraConfig: [setEnv] });
    cfg = await writeClientConfig(dir, [login, node]);
    env = { TUNNEL_HOME: join(dir, 'state'), TUNNEL_CONFIG_DIR: join(dir, 'conf') };
  }, 60_000);

  afterAll(async () => {
    await runCli(['down', '--all'], env);
    await node?.stop();
    await login?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const status = (url: string) =>
    fetch(url, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.status,
      () => 0,
    );
  const apiStatus = (url: string) => {
    const u = new URL(url);
    u.pathname = '/api/status';
    return u.toString();
  };

  it('foreground --sock: prints a URL with the token that answers /api/status; SIGTERM stops the server too', async () => {
    const { child, first } = await startCli(
      ['up', 'jupyter', '-F', cfg, '--via', 'login', '--to', 'isolated-node', '--sock', '--json'],
      env,
      60_000,
    );
    const json = JSON.parse(first) as { url: string; state: string; preset: string };
    expect(json).toMatchObject({ state: 'up', preset: 'jupyter' });
    expect(json.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=\w+/);
    expect(await status(apiStatus(json.url))).toBe(200);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(143);
    expect(await status(apiStatus(json.url))).toBe(0);
  });

  it('-d: the token is printed once to the caller but never appears in ls/status; down stops the server', async () => {
    const started = await runCli(
      ['up', 'jupyter', '-F', cfg, '--via', 'login', '--to', 'isolated-node', '--sock', '-d', '--name', 'nb', '--json'],
      env,
      90_000,
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const { url } = JSON.parse(started.stdout) as { url: string };
    const token = new URL(url).searchParams.get('token')!;
    expect(token.length).toBeGreaterThan(10);
    expect(await status(apiStatus(url))).toBe(200);
    for (const args of [['ls', '--json'], ['ls'], ['status', 'nb', '--json'], ['logs', 'nb']]) {
      expect((await runCli(args, env)).stdout).not.toContain(token);
    }
    expect((await runCli(['down', 'nb'], env)).exitCode).toBe(0);
    await waitFor(async () => (await status(apiStatus(url))) === 0, 10_000, 'the tunnel to close');
    const left = await runCli(
      [
        'up',
        'jupyter',
        '-F',
        cfg,
        '--via',
        'login',
        '--to',
        'isolated-node',
        '--attach',
        '/nonexistent.sock',
        '--dry-run',
      ],
      env,
    );
    expect(left.exitCode).toBe(0);
  });
});
