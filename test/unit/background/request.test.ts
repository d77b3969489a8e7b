import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tunnelDir } from '../../../src/os/state-paths.js';
import {
  lockPath,
  logPath,
  readRequest,
  writeRequest,
  type SuperviseRequest,
} from '../../../src/background/request.js';
import { parseTunnelSpec } from '../../../src/model/tunnel.js';
import { useTempStateHome } from '../../support/state-home.js';

describe('writeRequest / readRequest', () => {
  const state = useTempStateHome('tnl-request-');

  it('hands the supervisor the very request the CLI wrote, in a 0600 file', async () => {
    const request: SuperviseRequest = {
      session: {
        kind: 'tunnel',
        spec: parseTunnelSpec({ via: ['login'], to: 'node7', local: ['8888:localhost:8888'] }),
      },
      run: { readyTimeoutMs: 20_000, reconnect: true, healthIntervalMs: 5000 },
    };
    await mkdir(tunnelDir('nb'), { recursive: true, mode: 0o700 });
    await writeRequest('nb', request);
    expect(await readRequest('nb')).toEqual(JSON.parse(JSON.stringify(request)));
    const files = await readdir(tunnelDir('nb'));
    expect(files).toHaveLength(1);
    expect((await stat(join(tunnelDir('nb'), files[0]!))).mode & 0o777).toBe(0o600);
  });

  it('a request for another home is read from that home only', async () => {
    const other = join(state.home, 'other');
    const request: SuperviseRequest = {
      session: { kind: 'preset', name: 'jupyter', input: { via: ['login'], to: 'node7', sock: true } },
      run: { readyTimeoutMs: 1, maxRetries: 3, reconnect: false, healthIntervalMs: 1 },
    };
    await mkdir(tunnelDir('nb', other), { recursive: true });
    await writeRequest('nb', request, other);
    expect(await readRequest('nb', other)).toEqual(request);
    await expect(readRequest('nb')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('the lock and the log live in the tunnel directory, which down removes whole', () => {
    expect(lockPath('nb')).toBe(join(tunnelDir('nb'), 'supervisor.lock'));
    expect(logPath('nb')).toBe(join(tunnelDir('nb'), 'log'));
    expect(() => lockPath('../escape')).toThrow();
  });
});
