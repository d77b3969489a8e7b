import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../src/supervise/up.js';
import { plan } from '../../src/plan/index.js';
import { destinationArgs } from '../../src/plan/destination.js';
import { baseSshOptions } from '../../src/plan/options.js';
import { planRemoteCommand } from '../../src/presets/remote.js';
import { commandFromArgv, launchScript } from '../../src/presets/server/server-scripts.js';
import { formatTargetArg } from '../../src/model/forward.js';
import { parseTunnelSpec } from '../../src/model/tunnel.js';
import type { TunnelSpec } from '../../src/model/types.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { httpGet } from '../support/http.js';
import { waitFor } from '../support/processes.js';
import {
  DECOY_SOCKETS,
  forwardPath,
  makeRecordingSsh,
  makeShortDir,
  oddSocketPaths,
  oddWords,
  plantDecoys,
  plantStaleSocket,
} from '../fixtures/hardening/odd-names.js';

// Names with ; $() backticks quotes spaces globs and ':' through every path that reaches a
// remote shell. The loopback sshd runs commands as the current user, so "remote" files are
// local files we can inspect; a `touch <dir>/pwned` that ever runs leaves the canary.

let sshd: TestSshd;
let config: string;
let clientDir: string;
let dir: string;
let recorder: Awaited<ReturnType<typeof makeRecordingSsh>>;
let decoys: Server[] = [];

beforeAll(async () => {
  dir = await makeShortDir();
  clientDir = await mkdtemp(join(tmpdir(), 'tnl-inj-'));
  recorder = await makeRecordingSsh(clientDir);
  // Sessions on this sshd find the recording ssh first: a relay's inner ssh is recorded, never run.
  sshd = await startSshd({ alias: 'hopA', extraConfig: [`SetEnv PATH=${recorder.dir}:/usr/local/bin:/usr/bin:/bin`] });
  config = await writeClientConfig(clientDir, [sshd]);
  decoys = await plantDecoys(dir);
});

afterAll(async () => {
  for (const server of decoys) server.close();
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
  await rm(clientDir, { recursive: true, force: true });
});

const canary = () => join(dir, 'pwned');

function expectDecoysIntact(): void {
  for (const name of DECOY_SOCKETS) expect(lstatSync(join(dir, name)).isSocket(), name).toBe(true);
  expect(existsSync(canary()), 'an injected command ran').toBe(false);
}

describe('-R socket paths: bound verbatim by sshd, removed verbatim by the remote cleanup', () => {
  it('stale sockets at odd paths are cleared, the fresh ones serve, and down removes exactly them', async () => {
    const paths = oddSocketPaths(dir);
    for (const path of paths) await plantStaleSocket(path);
    const app = await startApp('0', 'reached through an odd socket');
    try {
      const tunnel = await up(
        {
          to: 'hopA',
          sshConfig: config,
          batchMode: true,
          remote: paths.map((p) => `${forwardPath(p)}:127.0.0.1:${app.port!}`),
        },
        { readyTimeoutMs: 20_000, reconnect: false, healthIntervalMs: 0 },
      );
      try {
        // sshd never unlinks a stale -R socket, so these binds only succeeded because the remote
        // cleanup's rm removed every planted one, by its exact odd name.
        for (const path of paths) {
          expect(lstatSync(path).isSocket(), path).toBe(true);
          expect((await httpGet({ socketPath: path })).body, path).toBe('reached through an odd socket');
        }
        expectDecoysIntact();
      } finally {
        await tunnel.down();
      }
      for (const path of paths) expect(existsSync(path), `${path} left behind`).toBe(false);
      expectDecoysIntact();
    } finally {
      await app.stop();
    }
  });

  it('newlines never get as far as a shell: the spec is refused', () => {
    expect(() => parseTunnelSpec({ to: 'hopA', remote: [`${dir}/n\ntouch ${canary()}\n.sock:127.0.0.1:1`] })).toThrow(
      /control characters/,
    );
  });
});

/** The exact argv the relay's inner ssh must receive (the planner's own pieces, one word each). */
function expectedInnerArgv(spec: TunnelSpec, relayDir: string): string[] {
  const forwards = spec.forwards.flatMap((f, i) => ['-L', `${relayDir}/${i}.sock:${formatTargetArg(f.target)}`]);
  return ['-N', '-T', '-v', ...baseSshOptions({ ...spec, batchMode: true }), ...forwards, ...destinationArgs(spec.to)];
}

function relaySpec(): TunnelSpec {
  // 127.0.0.1:9 (discard, closed): were the recorder ever bypassed, the inner ssh fails at once.
  return parseTunnelSpec({
    via: 'hopA',
    to: '127.0.0.1:9',
    strategy: 'relay',
    local: oddSocketPaths(dir).map((p, i) => `${30000 + i}:${forwardPath(p)}`),
  });
}

describe('relay: the script the login node runs hands the inner ssh every argument intact', () => {
  it.each(['sh', 'bash'])('through a local %s -c (the login shell) and /bin/sh -c', async (shell) => {
    const spec = relaySpec();
    const runId = randomBytes(6).toString('hex');
    const remoteCommand = plan(spec, { strategy: 'relay', runId }).tunnel.argv.at(-1)!;
    expect(remoteCommand.startsWith('exec /bin/sh -c ')).toBe(true);
    await rm(recorder.out, { force: true });
    const result = await execa(shell, ['-c', remoteCommand], {
      reject: false,
      timeout: 10_000,
      env: { PATH: `${recorder.dir}:${process.env.PATH ?? ''}` },
      stdin: 'ignore',
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const seen = await recorder.read();
    expect(seen?.argv).toEqual(expectedInnerArgv(spec, `/tmp/tnl-${runId}`));
    expect(seen?.dirMode).toBe('700');
    expect(seen?.umask).toBe('0077');
    expect(existsSync(`/tmp/tnl-${runId}`), 'relay dir removed on exit').toBe(false);
    expectDecoysIntact();
  });

  it('through the real sshd and the remote login shell', async () => {
    const spec = relaySpec();
    const runId = randomBytes(6).toString('hex');
    const remoteCommand = plan(spec, { strategy: 'relay', runId }).tunnel.argv.at(-1)!;
    await rm(recorder.out, { force: true });
    const result = await execa('ssh', ['-F', config, '-T', 'hopA', remoteCommand], {
      reject: false,
      timeout: 20_000,
      stdin: 'ignore',
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const seen = await recorder.read();
    expect(seen, 'the recording ssh was not first in the session PATH').toBeDefined();
    expect(seen!.argv).toEqual(expectedInnerArgv(spec, `/tmp/tnl-${runId}`));
    expect(seen!.dirMode).toBe('700');
    expectDecoysIntact();
  });

  it('a relay directory planted in advance is refused, not used (mkdir, not mkdir -p)', async () => {
    const runId = randomBytes(6).toString('hex');
    const planted = `/tmp/tnl-${runId}`;
    await mkdir(planted, { mode: 0o777 });
    try {
      const remoteCommand = plan(relaySpec(), { strategy: 'relay', runId }).tunnel.argv.at(-1)!;
      await rm(recorder.out, { force: true });
      const result = await execa('sh', ['-c', remoteCommand], {
        reject: false,
        timeout: 10_000,
        env: { PATH: `${recorder.dir}:${process.env.PATH ?? ''}` },
        stdin: 'ignore',
      });
      expect(result.exitCode).toBe(97);
      expect(result.stderr).toMatch(/cannot create private directory/);
      expect(await recorder.read(), 'inner ssh started in a planted directory').toBeUndefined();
      expect((await stat(planted)).isDirectory(), 'the planted directory is not ours to remove').toBe(true);
    } finally {
      await rm(planted, { recursive: true, force: true });
    }
  });
});

describe('preset launch: every word of a server argv reaches the server as one argument', () => {
  it('launchScript over the real sshd runs the recorder with the exact words', async () => {
    const runDir = join(dir, 'run-1');
    const out = join(dir, 'server-argv');
    const recorderScript = join(clientDir, 'record-args');
    const { writeFile, readFile } = await import('node:fs/promises');
    await writeFile(recorderScript, `#!/bin/sh\nprintf '%s\\0' "$@" > '${out}.tmp' && mv '${out}.tmp' '${out}'\n`, {
      mode: 0o755,
    });
    const words = [...oddWords(dir), '{socket}', '--port={port}', 'x{socket}y'];
    const script = launchScript({
      dir: runDir,
      socket: join(runDir, 'app.sock'),
      command: commandFromArgv([recorderScript, ...words]),
    });
    const argv = planRemoteCommand(
      { via: [], to: { user: undefined, host: 'hopA', port: undefined }, sshConfig: config, connectTimeout: 10 },
      script,
    );
    const result = await execa(argv[0]!, argv.slice(1), { reject: false, timeout: 20_000, stdin: 'ignore' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/tunnel-launched pid=\d+/);
    await waitFor(() => existsSync(out), 10_000, 'the launched recorder to write its argv');
    const received = (await readFile(out, 'utf8')).split('\0').slice(0, -1);
    const socket = join(runDir, 'app.sock');
    expect(received).toEqual([...oddWords(dir), socket, '--port=', `x${socket}y`]);
    expect((await stat(runDir)).mode & 0o777).toBe(0o700);
    expectDecoysIntact();
  });
});
