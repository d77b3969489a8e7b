import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descendants, isAlive } from '../harness/proc.js';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { CLI } from '../support/cli.js';
import { waitFor } from '../support/processes.js';

/*
 * `tunnel up jupyter` in the foreground, stopped the way people stop it: Ctrl-C or a closed
 * terminal, which signal the whole process group (ssh included), sometimes after the reader of
 * the output has gone (`2>&1 | head -4`). Real sshds on loopback play login and node; Debian's
 * Jupyter really runs on the "node" (as root it needs allow_root, given through the node sshd's
 * SetEnv, so the preset's command is unchanged).
 */
const hasJupyter = existsSync('/usr/bin/jupyter');

interface Running {
  child: ResultPromise;
  stdout: () => string;
  stderr: () => string;
  /** The Jupyter server's pid on the node (loopback: a local pid) and its private socket. */
  appPid: number;
  socket: string;
  localPort: number;
}

describe.skipIf(!hasJupyter)('teardown of a foreground preset', { timeout: 120_000 }, () => {
  let login: TestSshd;
  let node: TestSshd;
  let dir: string;
  let cfg: string;
  let env: Record<string, string>;
  const appPids: number[] = [];
  /** CLIs started in their own process group: after a failed assertion nothing else would stop them. */
  const cliGroups: number[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'tnl-teardown-'));
    const jupyterConfig = join(dir, 'jupyter-config');
    await mkdir(jupyterConfig);
    await writeFile(
      join(jupyterConfig, 'jupyter_notebook_config.json'),
      JSON.stringify({ NotebookApp: { allow_root: true } }),
    );
    const setEnv = `SetEnv JUPYTER_CONFIG_DIR=${jupyterConfig} JUPYTER_RUNTIME_DIR=${join(dir, 'runtime')} PATH=/usr/bin:/bin`;
    login = await startSshd({ alias: 'login' });
    node = await startSshd({ alias: 'isolated-node', clientKeyPath: login.clientKeyPath, extraConfig: [setEnv] });
    cfg = await writeClientConfig(dir, [login, node]);
    env = { NO_COLOR: '1', TUNNEL_HOME: join(dir, 'state'), TUNNEL_CONFIG_DIR: join(dir, 'conf') };
  }, 60_000);

  afterAll(async () => {
    for (const pgid of cliGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone already: the test stopped it
      }
    }
    // Only after a failure: a server the CLI did not stop (its process group, else itself).
    for (const pid of appPids) {
      if (!(await isAlive(pid))) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        process.kill(pid, 'SIGKILL');
      }
    }
    await node?.stop();
    await login?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Starts the CLI in its own process group (as a shell does) and waits for "Press Ctrl-C to stop.". */
  async function startJupyter(extra: string[] = []): Promise<Running> {
    const args = ['up', 'jupyter', '-F', cfg, '--via', 'login', '--to', 'isolated-node', '--sock', ...extra];
    const child = execa('node', [CLI, ...args], { reject: false, env, stdin: 'ignore', buffer: false, detached: true });
    cliGroups.push(child.pid!);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    let exited = false;
    void child.then(() => (exited = true));
    await waitFor(
      () => exited || out.includes('Press Ctrl-C to stop.'),
      60_000,
      `tunnel up jupyter to be up; stderr: ${err}`,
    );
    expect(out, err).toContain('Press Ctrl-C to stop.');
    const at = /at (\S+jupyter\.sock) \(pid (\d+)\)/.exec(out);
    const port = /127\.0\.0\.1:(\d+)\s+→/.exec(out);
    expect(at, out).not.toBeNull();
    expect(port, out).not.toBeNull();
    const appPid = Number(at![2]);
    appPids.push(appPid);
    expect(await isAlive(appPid)).toBe(true);
    return { child, stdout: () => out, stderr: () => err, appPid, socket: at![1]!, localPort: Number(port![1]) };
  }

  it.each([
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)(
    '%s with stdout and stderr closed (| head, a closed terminal): exit %i, Jupyter and ssh are gone',
    async (signal, code) => {
      const run = await startJupyter();
      const ssh = (await descendants(run.child.pid!)).filter((p) => p.comm === 'ssh').map((p) => p.pid);
      expect(ssh.length).toBeGreaterThan(0);
      // The readers go away: every later write of the CLI fails with EPIPE.
      run.child.stdout!.destroy();
      run.child.stderr!.destroy();
      process.kill(-run.child.pid!, signal);
      const result = await run.child;
      expect(result.exitCode).toBe(code);
      expect(await isAlive(run.appPid)).toBe(false);
      expect(existsSync(dirname(run.socket))).toBe(false);
      for (const pid of ssh) expect(await isAlive(pid)).toBe(false);
      expect(await descendants(run.child.pid!)).toEqual([]);
    },
  );

  it('the terminal closes (pty hung up: SIGHUP, then EIO on every write): exit 129, Jupyter and ssh are gone', async () => {
    const args = ['up', 'jupyter', '-F', cfg, '--via', 'login', '--to', 'isolated-node', '--sock'];
    const child = execa('python3', ['-c', PTY_HANGUP, process.execPath, CLI, ...args], {
      reject: false,
      env,
      stdin: 'pipe',
      buffer: false,
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    let exited = false;
    void child.then(() => (exited = true));
    await waitFor(
      () => exited || out.includes('Press Ctrl-C to stop.'),
      60_000,
      `tunnel up jupyter on a terminal; printed: ${out}`,
    );
    const at = /at (\S+jupyter\.sock) \(pid (\d+)\)/.exec(out);
    expect(at, out).not.toBeNull();
    const appPid = Number(at![2]);
    appPids.push(appPid);
    expect(await isAlive(appPid)).toBe(true);
    const ssh = (await descendants(child.pid!)).filter((p) => p.comm === 'ssh').map((p) => p.pid);
    expect(ssh.length).toBeGreaterThan(0);
    child.stdin.end('hang up\n');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(/exit=(-?\d+)/.exec(out)?.[1], out).toBe('129');
    expect(await isAlive(appPid)).toBe(false);
    expect(existsSync(dirname(at![1]!))).toBe(false);
    for (const pid of ssh) expect(await isAlive(pid)).toBe(false);
  });

  it('Ctrl-C while a health probe is in flight prints no false state: only down', async () => {
    const run = await startJupyter(['--health-interval', '1']);
    // Probes run every second (each one connects, closes, and waits for ssh's verdict on that
    // channel): after two and a half rounds the signal lands while probing goes on.
    await new Promise((r) => setTimeout(r, 2500));
    const before = run.stderr().length;
    process.kill(-run.child.pid!, 'SIGINT');
    expect((await run.child).exitCode).toBe(130);
    const states = run
      .stderr()
      .slice(before)
      .split('\n')
      .map((line) => /^\d{4}-\d\d-\d\dT\S+Z (\S+)/.exec(line)?.[1])
      .filter((s) => s !== undefined);
    expect(states).toEqual(['down']);
    expect(await isAlive(run.appPid)).toBe(false);
  });
});

/**
 * Runs argv on a new terminal (a pty it is the session leader of), relays what it prints until
 * "Press Ctrl-C to stop.", then, told to on stdin, closes the terminal as a closed window does: the kernel sends
 * SIGHUP and every later write fails with EIO. Prints the exit code it then sees: exit=N.
 */
const PTY_HANGUP = `
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen = b''
while b'Press Ctrl-C to stop.' not in seen:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    sys.stdout.buffer.write(chunk)
    sys.stdout.flush()
sys.stdin.readline()
os.close(fd)
_, status = os.waitpid(pid, 0)
print('exit=%d' % os.waitstatus_to_exitcode(status), flush=True)
`;
