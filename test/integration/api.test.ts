import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The built library: start() runs the supervisor through dist/cli/main.js, as an installed package does.
import {
  getSaved,
  list,
  listSaved,
  logs,
  removeSaved,
  removeSshConfig,
  renderSshConfig,
  save,
  start,
  status,
  stop,
  stopAll,
  writeSshConfig,
} from '../../dist/index.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { httpGet } from '../support/http.js';
import { freePort, isAlive, pidsMatching, waitFor } from '../support/processes.js';

// The library API does what the CLI does, against a real sshd: no CLI process in between.
let sshd: TestSshd;
let dir: string;
let config: string;
let app: Awaited<ReturnType<typeof startApp>>;
const savedEnv = { TUNNEL_HOME: process.env.TUNNEL_HOME, TUNNEL_CONFIG_DIR: process.env.TUNNEL_CONFIG_DIR };

beforeAll(async () => {
  sshd = await startSshd({ alias: 'apiLogin' });
  dir = await mkdtemp(join(tmpdir(), 'tnl-api-'));
  process.env.TUNNEL_HOME = join(dir, 'state');
  process.env.TUNNEL_CONFIG_DIR = join(dir, 'conf');
  config = await writeClientConfig(dir, [sshd]);
  app = await startApp('0', 'api answers');
});

afterAll(async () => {
  await stopAll().catch(() => undefined);
  await app?.stop();
  await sshd?.stop();
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('background tunnels through the library', () => {
  it('start -> list -> status -> logs -> stop: a real tunnel that outlives nothing it should not', async () => {
    const port = await freePort();
    const started = await start({
      tunnel: { sshConfig: config, to: 'apiLogin', local: [`${port}:127.0.0.1:${app.port!}`], name: 'lib' },
    });
    expect(started.name).toBe('lib');
    expect(started.tunnel).toMatchObject({ name: 'lib', state: 'up', strategy: 'jump' });
    expect(started.report).toBeUndefined();
    expect(isAlive(started.tunnel.supervisorPid)).toBe(true);
    expect((await httpGet({ port })).body).toBe('api answers');

    const listed = await list();
    expect(listed.map((t) => [t.name, t.state])).toEqual([['lib', 'up']]);
    expect(listed[0]!.forwards[0]!.listen).toBe(`127.0.0.1:${port}`);
    const one = await status('lib');
    expect(one.state).toBe('up');
    expect(one.sshPids.length).toBeGreaterThan(0);
    expect(await logs('lib')).toMatch(/\bup\b/);

    expect(await stop('lib')).toEqual({ name: 'lib', how: 'supervisor', jobs: [] });
    expect(isAlive(started.tunnel.supervisorPid)).toBe(false);
    for (const pid of one.sshPids) expect(isAlive(pid)).toBe(false);
    await expect(httpGet({ port }, '/', 1000)).rejects.toThrow();
    expect(await list()).toEqual([]);
    await expect(status('lib')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(stop('lib')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('an unnamed tunnel gets a generated name that list, status and stop accept', async () => {
    const port = await freePort();
    const { name } = await start({
      tunnel: { sshConfig: config, to: 'apiLogin', local: [`${port}:127.0.0.1:${app.port!}`] },
      healthIntervalMs: 0,
    });
    expect(name).toMatch(/^t-[0-9a-f]{6}$/);
    expect((await status(name)).state).toBe('up');
    await stop(name);
    expect(await pidsMatching(`127.0.0.1:${port}:127.0.0.1:${app.port!}`)).toEqual([]);
  });

  it('a tunnel that cannot come up: start rejects with a TunnelError and leaves nothing behind', async () => {
    // The app already listens on its port: ssh cannot bind it (ExitOnForwardFailure).
    const error = await start({
      tunnel: { sshConfig: config, to: 'apiLogin', local: [`${app.port!}:127.0.0.1:${app.port!}`], name: 'taken' },
      readyTimeoutMs: 15_000,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'TunnelError',
      code: expect.stringMatching(/PORT_IN_USE|FORWARD_REFUSED|SSH_EXITED/),
    });
    expect((await list()).map((t) => t.name)).not.toContain('taken');
    expect(await pidsMatching(`127.0.0.1:${app.port!}:127.0.0.1:${app.port!}`)).toEqual([]);
  });
});

describe('saved tunnels through the library', () => {
  it('save -> listSaved -> start({ saved }) with an override -> stop -> removeSaved', async () => {
    const port = await freePort();
    const result = await save({ name: 'web', tunnel: { sshConfig: config, to: 'apiLogin', local: ['9:127.0.0.1:9'] } });
    expect(result).toMatchObject({
      name: 'web',
      replaced: false,
      tunnel: { to: 'apiLogin', local: ['9:127.0.0.1:9'], sshConfig: config },
    });
    expect((await stat(result.file)).mode & 0o777).toBe(0o600);
    expect((await listSaved()).map((t) => t.name)).toEqual(['web']);
    expect(await getSaved('web')).toMatchObject({ name: 'web', to: 'apiLogin' });

    const started = await start({ saved: 'web', tunnel: { local: [`${port}:127.0.0.1:${app.port!}`] } });
    expect(started.name).toBe('web');
    expect(started.tunnel.forwards.map((f) => f.listen)).toEqual([`127.0.0.1:${port}`]);
    expect((await httpGet({ port })).body).toBe('api answers');
    await stop('web');

    expect(await removeSaved('web')).toEqual(['web']);
    expect(await listSaved()).toEqual([]);
    await expect(start({ saved: 'web' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(removeSaved(['web'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('bad input is refused before anything is stored', async () => {
    await expect(save({ name: 'bad', tunnel: { to: 'apiLogin', local: ['not-a-forward'] } })).rejects.toMatchObject({
      code: 'BAD_SPEC',
    });
    await expect(
      save({ name: '../escape', tunnel: { to: 'apiLogin', local: ['9:127.0.0.1:9'] } }),
    ).rejects.toMatchObject({ code: 'BAD_SPEC' });
    expect(await listSaved()).toEqual([]);
  });
});

describe('ssh_config entries through the library', () => {
  it('renderSshConfig prints what plain ssh -N then builds; writeSshConfig installs it; removeSshConfig takes it out', async () => {
    const sshDir = join(dir, 'ssh');
    await mkdir(sshDir, { mode: 0o700 });
    const port = await freePort();
    const entry = {
      alias: 'libweb',
      tunnel: { sshConfig: config, to: 'apiLogin', local: [`${port}:127.0.0.1:${app.port!}`] },
      sshDir,
    };
    const text = await renderSshConfig(entry);
    expect(text).toMatch(/^Host libweb$/m);
    expect(text).toMatch(new RegExp(`^  LocalForward 127\\.0\\.0\\.1:${port} 127\\.0\\.0\\.1:${app.port!}$`, 'm'));
    expect(text).toMatch(new RegExp(`^  Port ${sshd.port}$`, 'm'));

    const written = await writeSshConfig(entry);
    expect(written.text).toBe(text);
    expect(written.changed).toBe(true);
    expect(written.tunnelConf.path).toBe(join(sshDir, 'config.d', 'tunnel.conf'));
    expect(written.tunnelConf.diff.join('\n')).toMatch(/^\+Host libweb$/m);
    expect(await readFile(written.tunnelConf.path, 'utf8')).toContain(text.trimEnd());
    // What OpenSSH makes of it: plain ssh -N with the installed entry builds the same forward.
    const ssh = execa('ssh', ['-F', join(sshDir, 'config'), '-N', 'libweb'], { reject: false, stdin: 'ignore' });
    try {
      await waitFor(
        async () => (await httpGet({ port }, '/', 500).catch(() => undefined))?.body === 'api answers',
        15_000,
        'ssh -N libweb to forward',
      );
    } finally {
      ssh.kill('SIGTERM');
      await ssh;
    }

    const removed = await removeSshConfig({ aliases: 'libweb', sshDir });
    expect(removed.changed).toBe(true);
    expect(await readFile(written.tunnelConf.path, 'utf8')).not.toContain('Host libweb');
  });

  it('relay cannot be written as ssh_config: BAD_SPEC, nothing written', async () => {
    await expect(
      renderSshConfig({
        alias: 'r',
        tunnel: { sshConfig: config, via: ['apiLogin'], to: 'apiLogin', strategy: 'relay', local: ['9:127.0.0.1:9'] },
      }),
    ).rejects.toMatchObject({ code: 'BAD_SPEC' });
  });
});
