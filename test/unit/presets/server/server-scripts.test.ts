import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRemoteCommand, remoteTargetOf } from '../../../../src/presets/remote.js';
import { matchText } from '../../../../src/presets/server/server.js';
import {
  commandFromArgv,
  commandFromUser,
  launchScript,
  renderWord,
  stopScript,
  waitScript,
} from '../../../../src/presets/server/server-scripts.js';

const NASTY = `a b;c $(touch PWNED) \`touch PWNED\` 'q' "w" *[x]? \\ $HOME`;

/** What the remote side does with the argv: the login shell parses the last word (here: sh). */
function runAsRemote(
  script: string,
  cwd: string,
  loginShell = '/bin/sh',
): { status: number | null; stdout: string; stderr: string } {
  const argv = planRemoteCommand(remoteTargetOf({ via: ['login'], to: 'node' }), script);
  const r = spawnSync(loginShell, ['-c', argv[argv.length - 1]!], { cwd, encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function waitForFile(path: string, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${pattern} in ${path}`);
}

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(os.tmpdir(), 'tnl-q-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('remote argv', () => {
  it('is a plain BatchMode ssh through the same hops and -F, running /bin/sh', () => {
    const argv = planRemoteCommand(
      remoteTargetOf({ via: ['login'], to: 'me@node:2222', sshConfig: '/cfg', connectTimeout: 7 }),
      'true',
    );
    expect(argv).toEqual([
      'ssh',
      '-T',
      '-F',
      '/cfg',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=7',
      '-o',
      'ControlMaster=no',
      '-o',
      'ControlPath=none',
      '-J',
      'login',
      '-p',
      '2222',
      'me@node',
      'exec /bin/sh -c true',
    ]);
    expect(argv.join(' ')).not.toMatch(/StrictHostKeyChecking|KnownHostsFile/);
  });

  it('uses the last --via as the target when there is no --to', () => {
    expect(planRemoteCommand(remoteTargetOf({ via: ['jump'] }), 'true').slice(-2)).toEqual([
      'jump',
      'exec /bin/sh -c true',
    ]);
  });

  it.each([
    ['renderWord', renderWord('--x={port}')],
    ['user command', commandFromUser('srv --sock {socket} --port={port}')],
  ])('%s turns placeholders into quoted variables', (_, text) => {
    expect(text).toMatch(/"\$TUNNEL_(PORT|SOCKET)"/);
    expect(text).not.toMatch(/\{(port|socket)\}/);
  });

  it('scripts are one line, with "!" only in $! (csh would expand !word even inside quotes)', () => {
    for (const script of [
      launchScript({ dir: '/tmp/d', socket: '/tmp/d/s.sock', command: commandFromArgv(['srv', '{socket}']) }),
      launchScript({
        dir: '/tmp/d',
        freePort: ['python3', '-c', 'print(1)'],
        command: commandFromArgv(['srv', '--port={port}']),
      }),
      waitScript({ dir: '/tmp/d', list: ['srv', 'list'], match: 'x', timeoutSeconds: 5 }),
      stopScript('/tmp/d'),
    ]) {
      expect(script).not.toMatch(/\n/);
      expect(script.replace(/\$!/g, '')).not.toMatch(/!/);
    }
  });
});

describe('scripts run through a real shell keep every value one argument', () => {
  it('launch: a directory and arguments full of shell syntax reach the server verbatim, nothing is executed', async () => {
    const dir = join(base, NASTY);
    const socket = join(dir, 's.sock');
    const command = commandFromArgv(['printf', '[%s]', '{socket}', NASTY, '--port={port}']);
    const r = runAsRemote(launchScript({ dir, socket, command }), base);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^tunnel-launched pid=\d+ port=$/m);
    const log = await waitForFile(join(dir, 'server.log'), /\]$/);
    expect(log).toBe(`[${socket}][${NASTY}][--port=]`);
    expect(existsSync(join(base, 'PWNED'))).toBe(false);
  });

  it.skipIf(!existsSync('/usr/bin/tcsh'))('launch: survives a tcsh login shell too', async () => {
    const dir = join(base, `tcsh ${NASTY}`);
    const r = runAsRemote(
      launchScript({ dir, socket: join(dir, 's'), command: commandFromArgv(['printf', '[%s]', NASTY]) }),
      base,
      '/usr/bin/tcsh',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(await waitForFile(join(dir, 'server.log'), /\]$/)).toBe(`[${NASTY}]`);
    expect(existsSync(join(base, 'PWNED'))).toBe(false);
  });

  it('launch: a user --cmd sees {socket} as one word and runs detached with a pid file', async () => {
    const dir = join(base, 'cmd dir');
    const command = commandFromUser(`printf '<%s>' {socket} {port}`);
    const r = runAsRemote(
      launchScript({ dir, socket: join(dir, 'x;y.sock'), freePort: ['echo', '4242'], command }),
      base,
    );
    expect(r.stdout).toMatch(/port=4242$/m);
    expect(await waitForFile(join(dir, 'server.log'), />$/)).toBe(`<${join(dir, 'x;y.sock')}><4242>`);
    expect(await readFile(join(dir, 'pid'), 'utf8')).toMatch(/^\d+\n$/);
  });

  it("launch: the directory is private, the server keeps the caller's umask", async () => {
    const dir = join(base, 'umask');
    const r = runAsRemote(`umask 022; ${launchScript({ dir, socket: join(dir, 's'), command: 'umask' })}`, base);
    expect(r.status, r.stderr).toBe(0);
    expect(await waitForFile(join(dir, 'server.log'), /\n$/)).toBe('0022\n');
    expect((await import('node:fs/promises').then((fs) => fs.stat(dir))).mode & 0o777).toBe(0o700);
  });

  it('launch: refuses a directory that already exists', async () => {
    const r = runAsRemote(launchScript({ dir: base, socket: join(base, 's'), command: 'exec true' }), base);
    expect(r.status).toBe(97);
  });

  it('launch: fails clearly when no free port can be picked', async () => {
    const r = runAsRemote(launchScript({ dir: join(base, 'np'), freePort: ['false'], command: 'exec true' }), base);
    expect(r.status).toBe(98);
    expect(r.stderr).toMatch(/could not pick a free port/);
    expect(existsSync(join(base, 'np'))).toBe(false);
  });

  it('wait: matches a path with glob characters literally and prints the list', () => {
    const socket = `/tmp/${NASTY}.sock`;
    const line = JSON.stringify({ sock: socket, token: 't' });
    const r = runAsRemote(
      waitScript({ list: ['printf', '%s\\n', line], match: matchText({ socket }), timeoutSeconds: 5 }),
      base,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(line);
    const miss = runAsRemote(
      waitScript({
        list: ['printf', '%s\\n', line.replace('[x]', 'x')],
        match: matchText({ socket }),
        timeoutSeconds: 1,
      }),
      base,
    );
    expect(miss.status).toBe(4);
  });

  it('wait: in socket mode the (slow) list runs only once the socket exists', async () => {
    const marker = join(base, 'listed');
    const socket = join(base, 'wait.sock');
    const script = () =>
      waitScript({
        socket,
        list: ['sh', '-c', `echo x >> '${marker}'; echo '{"sock": "${socket}"}'`],
        match: matchText({ socket }),
        timeoutSeconds: 1,
      });
    expect(runAsRemote(script(), base).status).toBe(4);
    expect(existsSync(marker)).toBe(false);
    const server = createServer().listen(socket);
    await new Promise((r) => server.once('listening', r));
    const r = runAsRemote(script(), base);
    server.close();
    expect(r.status, r.stderr).toBe(0);
    expect(await readFile(marker, 'utf8')).toBe('x\n');
  });

  it('wait: reports a dead server with its log tail, and times out on a live one', async () => {
    const dir = join(base, 'w d');
    await rm(dir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    await writeFile(join(dir, 'server.log'), 'line one\nboom: address in use\n');
    await writeFile(join(dir, 'pid'), '999999\n');
    const dead = runAsRemote(waitScript({ dir, list: ['true'], match: 'x', timeoutSeconds: 5 }), base);
    expect(dead.status).toBe(3);
    expect(dead.stdout).toBe('tunnel-server-exited\nline one\nboom: address in use\n');
    await writeFile(join(dir, 'pid'), `${process.pid}\n`);
    const started = Date.now();
    const slow = runAsRemote(waitScript({ dir, list: ['true'], match: 'x', timeoutSeconds: 1 }), base);
    expect(slow.status).toBe(4);
    expect(slow.stdout).toMatch(/^tunnel-server-timeout\n/);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('stop: ends the launched process group (server and its children) and removes the directory', async () => {
    const dir = join(base, `s ${NASTY}`);
    const launched = runAsRemote(launchScript({ dir, socket: join(dir, 's'), command: 'sleep 30 & sleep 30' }), base);
    const pid = Number(/pid=(\d+)/.exec(launched.stdout)?.[1]);
    const group = () =>
      spawnSync('pgrep', ['-g', String(pid)], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .filter(Boolean);
    for (let i = 0; i < 40 && group().length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(group()).toHaveLength(3);
    const r = runAsRemote(stopScript(dir), base);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('tunnel-stopped');
    expect(existsSync(dir)).toBe(false);
    expect(group()).toEqual([]);
  });

  it('stop: never signals a recycled pid (the pid file names a process with another start time)', async () => {
    const dir = join(base, 'recycled');
    const launched = runAsRemote(launchScript({ dir, socket: join(dir, 's'), command: 'exec sleep 30' }), base);
    const server = Number(/pid=(\d+)/.exec(launched.stdout)?.[1]);
    expect((await readFile(join(dir, 'pid.start'), 'utf8')).trim()).not.toBe('');
    // Its group, as stop does it; the server may not have called setsid() yet when launch returns.
    try {
      process.kill(-server, 'SIGKILL');
    } catch {
      process.kill(server, 'SIGKILL');
    }
    // A stranger now holds the pid the file names (pid reuse, simulated by editing the file); it starts
    // a clock tick later at least, so its start time differs from the one recorded, as a reused pid's would.
    await new Promise((r) => setTimeout(r, 30));
    const stranger = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    await writeFile(join(dir, 'pid'), `${stranger.pid}\n`);
    try {
      const r = runAsRemote(stopScript(dir), base);
      expect(r.status, r.stderr).toBe(0);
      expect(existsSync(dir)).toBe(false);
      expect(() => process.kill(stranger.pid!, 0)).not.toThrow();
    } finally {
      stranger.kill('SIGKILL');
    }
  });
});
