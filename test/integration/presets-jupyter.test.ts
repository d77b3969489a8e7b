import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  resolvePresetUp,
  startPreset,
  stopPresetApp,
  type PresetInput,
  type StartedPreset,
} from '../../src/presets/index.js';
import { isAlive, waitFor } from '../harness/proc.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';

/*
 * Two real sshds on loopback play the login node and the isolated node; Jupyter Notebook 6.4
 * (Debian's /usr/bin/jupyter) is really launched through ssh on the "node". These tests run
 * as whoever runs vitest; as root, jupyter needs allow_root, given to it through the node
 * sshd's SetEnv (a test-environment setting: the preset's own command stays unchanged).
 */
const hasJupyter = existsSync('/usr/bin/jupyter');

describe.skipIf(!hasJupyter)('jupyter preset through a real login + node sshd', { timeout: 90_000 }, () => {
  let login: TestSshd;
  let node: TestSshd;
  let dir: string;
  let cfg: string;
  const started: StartedPreset[] = [];
  const pids: number[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'tnl-jup-'));
    const jupyterConfig = join(dir, 'jupyter-config');
    await mkdir(jupyterConfig);
    await writeFile(
      join(jupyterConfig, 'jupyter_notebook_config.json'),
      JSON.stringify({ NotebookApp: { allow_root: true } }),
    );
    // A private runtime dir: `jupyter notebook list` then sees only this test's servers.
    const env = `SetEnv JUPYTER_CONFIG_DIR=${jupyterConfig} JUPYTER_RUNTIME_DIR=${join(dir, 'runtime')} PATH=/usr/bin:/bin`;
    login = await startSshd({ alias: 'login' });
    node = await startSshd({ alias: 'isolated-node', clientKeyPath: login.clientKeyPath, extraConfig: [env] });
    cfg = await writeClientConfig(dir, [login, node]);
  }, 60_000);

  afterAll(async () => {
    for (const s of started) await s.down().catch(() => undefined);
    for (const pid of pids) if (await isAlive(pid)) process.kill(-pid, 'SIGKILL');
    await node?.stop();
    await login?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const input = (extra: PresetInput): PresetInput => ({
    via: ['login'],
    to: 'isolated-node',
    sshConfig: cfg,
    batchMode: true,
    ...extra,
  });
  const start = async (extra: PresetInput) => {
    const t0 = Date.now();
    const s = await startPreset(await resolvePresetUp('jupyter', input(extra)), { readyTimeoutMs: 20_000 });
    started.push(s);
    if (typeof s.session.state.pid === 'number') pids.push(s.session.state.pid);
    return { s, ms: Date.now() - t0 };
  };
  const statusOf = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(5000) })).status;

  it('--sock: launches on the node, the printed URL carries the token, /api/status is 200 only with it; down stops it and removes the socket', async () => {
    const { s, ms } = await start({ sock: true });
    const url = new URL(String(s.report.json.url));
    expect(url.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const token = url.searchParams.get('token') ?? '';
    expect(token).toMatch(/^[0-9a-f]{32,}$/);
    expect(await statusOf(`${url.origin}/api/status`)).toBe(403);
    expect(await statusOf(`${url.origin}/api/status?token=${token}`)).toBe(200);
    const { dir: runDir, pid } = s.session.state;
    const socket = `${runDir}/jupyter.sock`;
    expect(s.session.options.local).toEqual([`${url.port}:${socket}`]);
    expect((await stat(socket)).isSocket()).toBe(true);
    expect((await stat(runDir!)).mode & 0o777).toBe(0o700);
    expect(s.report.lines.join('\n')).toContain(`open ${url.href}`);
    console.info(`jupyter --sock: launch + token + tunnel + 200 in ${ms} ms`);

    await s.down();
    expect(await isAlive(pid!)).toBe(false);
    expect(existsSync(socket)).toBe(false);
    expect(existsSync(runDir!)).toBe(false);
  });

  it('port mode: a free port on the node; the server outlives a dropped connection and the tunnel reconnects to it', async () => {
    const { s } = await start({});
    const url = String(s.report.json.url);
    const port = (s.report.json.app as { port: number }).port;
    expect(s.session.options.local).toEqual([`${new URL(url).port}:127.0.0.1:${port}`]);
    await login.killConnections();
    await waitFor(() => s.tunnel.restarts > 0 && s.tunnel.state === 'up', 20_000, 'the tunnel to reconnect');
    expect(await isAlive(s.session.state.pid!)).toBe(true);
    await waitFor(
      async () => (await statusOf(url.replace('/?', '/api/status?')).catch(() => 0)) === 200,
      10_000,
      '200 after reconnect',
    );
    await s.down();
    expect(await isAlive(s.session.state.pid!)).toBe(false);
  });

  it('--keep leaves the server for --attach, and stopPresetApp stops it later from its saved state', async () => {
    const { s: kept } = await start({ sock: true, keep: true });
    await kept.down();
    const { pid, dir: runDir } = kept.session.state;
    expect(await isAlive(pid!)).toBe(true);
    const { s: attached } = await start({ attach: `${runDir}/jupyter.sock` });
    expect(attached.report.json.app).toMatchObject({ launched: false, pid: null });
    expect(await statusOf(String(attached.report.json.url).replace('/?', '/api/status?'))).toBe(200);
    await attached.down();
    expect(await isAlive(pid!)).toBe(true);
    expect(await stopPresetApp(kept.session.state)).toBe(false);
    expect(await stopPresetApp(kept.session.state, { force: true })).toBe(true);
    expect(await isAlive(pid!)).toBe(false);
    expect(existsSync(runDir!)).toBe(false);
  });

  it('a server that never answers: bounded wait, its log tail in the error with the token redacted, directory removed', async () => {
    const cmd = `echo "starting http://localhost:1/?token=deadbeef0123"; : {socket}; exec sleep 60`;
    const presetUp = await resolvePresetUp('jupyter', input({ sock: true, cmd, startTimeout: '2' }));
    const t0 = Date.now();
    const error = (await presetUp.prepare().then(
      () => undefined,
      (e: unknown) => e,
    )) as Error & { code: string };
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(error).toMatchObject({ code: 'READY_TIMEOUT' });
    expect(error.message).toMatch(
      /within 2 s \(raise --start-timeout\); its log ends:\nstarting http:\/\/localhost:1\/\?token=<redacted>/,
    );
    expect(error.message).not.toContain('deadbeef0123');
  });

  it('a server that exits at once: APP_FAILED with its own words', async () => {
    const presetUp = await resolvePresetUp(
      'jupyter',
      input({ sock: true, cmd: 'echo "cannot bind {socket}" >&2; exit 3' }),
    );
    await expect(presetUp.prepare()).rejects.toMatchObject({
      code: 'APP_FAILED',
      message: expect.stringMatching(
        /exited on isolated-node \(via login\) before it answered; its log ends:\ncannot bind \/tmp\/tnl-jupyter-[0-9a-f]{12}\/jupyter\.sock/,
      ),
    });
  });
});
