import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { httpGet } from '../support/http.js';
import { freePort, isAlive, pidsMatching, waitFor } from '../support/processes.js';
import { identifyProcess } from '../../src/os/process-identity.js';

let sshd: TestSshd;
let dir: string;
let config: string;
let home: string;
let app: Awaited<ReturnType<typeof startApp>>;
const env = () => ({ TUNNEL_HOME: home });

beforeAll(async () => {
  sshd = await startSshd({ alias: 'login' });
  dir = await mkdtemp(join(tmpdir(), 'tnl-ident-'));
  home = join(dir, 'state');
  config = await writeClientConfig(dir, [sshd]);
  app = await startApp('0', 'app answers');
});

afterAll(async () => {
  await runCli(['down', '--all'], env());
  await app?.stop();
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a background run whose supervisor died', () => {
  it('up -d --name X again cleans the dead run exactly as down would, then starts', async () => {
    const port = await freePort();
    const args = [
      'up',
      '-F',
      config,
      '--to',
      'login',
      '-L',
      `${port}:127.0.0.1:${app.port!}`,
      '-d',
      '--name',
      'again',
      '--json',
    ];
    const first = JSON.parse((await runCli(args, env())).stdout) as { supervisorPid: number; pids: number[] };
    process.kill(first.supervisorPid, 'SIGKILL');
    expect((await httpGet({ port })).body).toBe('app answers'); // the orphan still forwards
    const second = await runCli(args, env());
    expect(second.exitCode, second.stderr).toBe(0);
    for (const pid of first.pids) expect(isAlive(pid)).toBe(false);
    expect((await httpGet({ port })).body).toBe('app answers');
    expect(await pidsMatching(`127.0.0.1:${port}:127.0.0.1:${app.port!}`)).toHaveLength(1);
    expect((await runCli(['down', 'again'], env())).exitCode).toBe(0);
    expect(await pidsMatching(`127.0.0.1:${port}:127.0.0.1:${app.port!}`)).toEqual([]);
  });
});

describe('recycled pids are never trusted', () => {
  it('a record naming an unrelated process as supervisor and an unrelated ssh: ls says dead, down signals neither', async () => {
    const stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
    // Someone else's ssh session (not started by tunnel), alive while down runs.
    const theirSsh = execa('ssh', ['-F', config, '-N', 'login'], { reject: false, stdin: 'ignore' });
    await waitFor(() => identifyProcess(theirSsh.pid) !== undefined, 5000, 'the unrelated ssh');
    try {
      const real = identifyProcess(theirSsh.pid)!;
      const tunnelDir = join(home, 'tunnels', 'forged');
      await mkdir(tunnelDir, { recursive: true, mode: 0o700 });
      const record = {
        name: 'forged',
        state: 'up',
        strategy: 'jump',
        route: ['localhost', 'login'],
        forwards: [],
        // The pid is the stranger's, as after pid reuse; even its exact identity is not our supervisor (no __supervise).
        supervisorPid: stranger.pid,
        supervisor: identifyProcess(stranger.pid),
        sshPids: [theirSsh.pid],
        sshProcesses: [{ ...real, start: String(Number(real.start) - 100) }],
        localSockets: [],
        remoteCleanup: [],
        commands: [],
        startedAt: new Date().toISOString(),
        upSince: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        restarts: 0,
        lastError: undefined,
      };
      await writeFile(join(tunnelDir, 'record.json'), JSON.stringify(record), { mode: 0o600 });
      const listed = JSON.parse((await runCli(['ls', '--json'], env())).stdout) as Array<{
        name: string;
        state: string;
      }>;
      expect(listed.find((t) => t.name === 'forged')?.state).toBe('dead');
      expect((await runCli(['down', 'forged'], env())).exitCode).toBe(0);
      expect(isAlive(theirSsh.pid!)).toBe(true);
      expect(isAlive(stranger.pid!)).toBe(true);
    } finally {
      stranger.kill('SIGKILL');
      theirSsh.kill('SIGKILL');
      await theirSsh;
    }
  });
});
