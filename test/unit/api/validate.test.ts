import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getSaved,
  listSaved,
  logs,
  removeSaved,
  removeSshConfig,
  renderSshConfig,
  save,
  start,
  status,
  stop,
} from '../../../src/index.js';

// Bad input to the library's entry points: one TunnelError naming the option, before any file or process is touched.
let dir: string;
const savedEnv = { TUNNEL_HOME: process.env.TUNNEL_HOME, TUNNEL_CONFIG_DIR: process.env.TUNNEL_CONFIG_DIR };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tnl-api-unit-'));
  process.env.TUNNEL_HOME = join(dir, 'state');
  process.env.TUNNEL_CONFIG_DIR = join(dir, 'conf');
});

afterAll(async () => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await rm(dir, { recursive: true, force: true });
});

const tunnel = { to: 'node', local: ['8888:localhost:8888'] };

describe('start() refuses bad options before starting anything', () => {
  it.each([
    [
      'no options object',
      () => start(undefined as never),
      'BAD_OPTION',
      /start\(\): expected one options object, got undefined/,
    ],
    ['an array', () => start([] as never), 'BAD_OPTION', /got an array/],
    ['nothing to start', () => start({}), 'BAD_OPTION', /pass the tunnel, a saved tunnel name \(saved\) or a preset/],
    [
      'saved and preset at once',
      () => start({ saved: 'a', preset: { name: 'jupyter' } }),
      'BAD_OPTION',
      /saved or preset, not both/,
    ],
    ['a name that escapes the state dir', () => start({ tunnel, name: '../x' }), 'BAD_SPEC', /name '\.\.\/x'/],
    [
      'a negative ready timeout',
      () => start({ tunnel, readyTimeoutMs: -1 }),
      'BAD_OPTION',
      /readyTimeoutMs: expected a whole number from 1 to 3600000, got -1/,
    ],
    [
      'a fractional retry count',
      () => start({ tunnel, maxRetries: 1.5 }),
      'BAD_OPTION',
      /maxRetries: expected a whole number/,
    ],
    [
      'reconnect as a string',
      () => start({ tunnel, reconnect: 'no' as never }),
      'BAD_OPTION',
      /reconnect: expected true or false, got 'no'/,
    ],
    ['a bad forward', () => start({ tunnel: { to: 'node', local: ['nonsense'] } }), 'BAD_SPEC', /-L/],
    [
      'a tunnel that is not an object',
      () => start({ tunnel: 'node' as never }),
      'BAD_OPTION',
      /start: tunnel\(\): expected one options object/,
    ],
  ])('%s', async (_, call, code, message) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TunnelError', code });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('touched no file', async () => {
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('the name-taking entry points', () => {
  it.each([
    ['status', () => status('a/b')],
    ['stop', () => stop('..')],
    ['logs', () => logs('-x')],
    ['getSaved', () => getSaved('a b')],
    ['removeSaved', () => removeSaved(['ok', 'no/pe'])],
  ])('%s rejects a name that is not a file name', async (_, call) => {
    await expect(call()).rejects.toMatchObject({ name: 'TunnelError', code: 'BAD_SPEC' });
  });

  it.each([
    ['status', () => status('nosuch'), /no tunnel named 'nosuch'/],
    ['stop', () => stop('nosuch'), /no running tunnel named 'nosuch'/],
    ['logs', () => logs('nosuch'), /no log for 'nosuch'/],
    ['getSaved', () => getSaved('nosuch'), /no saved tunnel 'nosuch'/],
  ])('%s of a name nobody used: NOT_FOUND', async (_, call, message) => {
    await expect(call()).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(message) });
  });

  it('removeSaved needs at least one name', async () => {
    await expect(removeSaved([])).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });
});

describe('saved tunnels and ssh_config entries', () => {
  it("save stores nothing when the tunnel is invalid, and ignores the tunnel's own name", async () => {
    await expect(save({ name: 'x', tunnel: { to: 'node', local: ['nonsense'] } })).rejects.toMatchObject({
      code: 'BAD_SPEC',
    });
    expect(await listSaved()).toEqual([]);
    const result = await save({ name: 'x', tunnel: { ...tunnel, name: 'other' } });
    expect(result).toMatchObject({
      name: 'x',
      replaced: false,
      tunnel: { to: 'node', local: ['8888:localhost:8888'] },
    });
    expect(result.tunnel).not.toHaveProperty('name');
    expect((await save({ name: 'x', tunnel })).replaced).toBe(true);
    expect(await listSaved()).toEqual([{ name: 'x', to: 'node', local: ['8888:localhost:8888'] }]);
    expect(await removeSaved('x')).toEqual(['x']);
  });

  it.each([
    ['a hostile alias', { alias: 'x\nHost *', tunnel }, 'BAD_SPEC', /--host-alias/],
    [
      'relay',
      { alias: 'r', tunnel: { ...tunnel, via: ['login'], strategy: 'relay' } },
      'BAD_SPEC',
      /--strategy relay cannot be written/,
    ],
    ['no tunnel', { alias: 'r' }, 'BAD_OPTION', /renderSshConfig: tunnel\(\): expected one options object/],
    [
      'controlMaster as a string',
      { alias: 'r', tunnel, controlMaster: 'yes' },
      'BAD_OPTION',
      /controlMaster: expected true or false/,
    ],
  ])('renderSshConfig refuses %s', async (_, options, code, message) => {
    await expect(renderSshConfig(options as never)).rejects.toMatchObject({
      code,
      message: expect.stringMatching(message),
    });
  });

  it('removeSshConfig refuses a hostile alias before opening any file', async () => {
    await expect(removeSshConfig({ aliases: ['ok', 'x y'], sshDir: join(dir, 'ssh') })).rejects.toMatchObject({
      code: 'BAD_SPEC',
    });
    expect(await readdir(dir)).not.toContain('ssh');
  });
});
