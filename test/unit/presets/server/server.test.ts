import { describe, expect, it } from 'vitest';
import { findPreset } from '../../../../src/presets/load.js';
import type { SshResult as RemoteResult, RunSsh as RunRemote } from '../../../../src/ssh/run.js';
import { planServer } from '../../../../src/presets/server/server.js';
import { startServerSession } from '../../../../src/presets/server/server-session.js';
import { resolveServerUp } from '../../../../src/presets/server/server-up.js';
import type { PresetInput } from '../../../../src/presets/options.js';
import type { ServerPreset } from '../../../../src/presets/types.js';

const IDS = { runId: 'abc123def456', localPort: 18888 };
const DIR = '/tmp/tnl-jupyter-abc123def456';
const SOCK = `${DIR}/jupyter.sock`;
const jupyter = async () => (await findPreset('jupyter')) as ServerPreset;
const lastWord = (argv: readonly string[] | undefined) => argv?.[argv.length - 1] ?? '';

/** A scripted remote side: answers launch/wait/stop by what the script does, records every argv. */
function fakeRemote(answers: {
  launch?: Partial<RemoteResult>;
  wait?: Partial<RemoteResult>;
  stop?: Partial<RemoteResult>;
}) {
  const calls: Array<{ kind: string; argv: readonly string[] }> = [];
  const run: RunRemote = async (argv) => {
    const script = lastWord(argv);
    const kind = script.includes('tunnel-launched') ? 'launch' : script.includes('tunnel-stopped') ? 'stop' : 'wait';
    calls.push({ kind, argv });
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...answers[kind] };
  };
  return { run, calls, kinds: () => calls.map((c) => c.kind) };
}

const listed = (entry: Record<string, unknown>) =>
  `${JSON.stringify({ base_url: '/', token: 'f00d', pid: 4321, port: 0, sock: '', ...entry })}\n`;

describe('planServer', () => {
  it('socket mode: a private dir per tunnel, the socket inside, -L straight to it through the same hops', async () => {
    const plan = planServer(
      await jupyter(),
      { via: ['login'], to: 'isolated-node', sock: true, sshConfig: '/cfg' },
      IDS,
    );
    expect(plan.dir).toBe(DIR);
    expect(plan.match).toEqual({ socket: SOCK });
    for (const argv of [plan.launch!, plan.wait!, plan.stop!]) {
      expect(argv.slice(0, 4)).toEqual(['ssh', '-T', '-F', '/cfg']);
      expect(argv).toContain('BatchMode=yes');
      expect(argv.slice(-3, -1)).toEqual(['login', 'isolated-node']);
      expect(lastWord(argv)).toMatch(/^exec \/bin\/sh -c '/);
    }
    expect(lastWord(plan.launch)).toContain(`exec jupyter notebook --no-browser --sock "$TUNNEL_SOCKET"`);
    expect(lastWord(plan.launch)).toContain(`TUNNEL_SOCKET=${SOCK}`);
    expect(plan.keep).toBe(false);
  });

  it('port mode: a free port picked on the node, the match known only after the launch', async () => {
    const plan = planServer(await jupyter(), { via: ['login'], to: 'node' }, IDS);
    expect(plan.match).toBeUndefined();
    expect(lastWord(plan.launch)).toMatch(/--ip=127\.0\.0\.1 --port=\S*"\$TUNNEL_PORT" --port-retries=0/);
    expect(lastWord(plan.launch)).toContain('import socket');
  });

  it.each([
    ['a socket', '/home/me/.jupyter.sock', { socket: '/home/me/.jupyter.sock' }],
    ['a port', '8888', { port: 8888 }],
  ])('--attach to %s: nothing launched, nothing stopped', async (_, attach, match) => {
    const plan = planServer(await jupyter(), { via: ['login'], attach }, IDS);
    expect(plan).toMatchObject({ match, launch: undefined, stop: undefined, dir: undefined, keep: true });
  });

  it('--cmd replaces the command; {socket} becomes the quoted variable', async () => {
    const plan = planServer(
      await jupyter(),
      { via: ['login'], sock: true, cmd: 'jupyter lab --no-browser --sock {socket}' },
      IDS,
    );
    expect(lastWord(plan.launch)).toContain(`jupyter lab --no-browser --sock "$TUNNEL_SOCKET"`);
  });
});

describe('dry run', () => {
  it.each([
    [
      '--sock',
      { sock: true },
      /^ssh -N -T -v .* -J login -L 127\.0\.0\.1:18999:\/tmp\/tnl-jupyter-[0-9a-f]{12}\/jupyter\.sock isolated-node$/m,
    ],
    ['port mode', {}, /^ssh -N -T -v .* -J login -L 127\.0\.0\.1:18999:127\.0\.0\.1:PORT isolated-node$/m],
  ])('%s: launch, wait, tunnel and stop as copy-pasteable lines', async (_, extra, tunnelLine) => {
    const up = await resolveServerUp(await jupyter(), {
      via: ['login'],
      to: 'isolated-node',
      localPort: '18999',
      ...extra,
    });
    const text = up.dryRun().join('\n');
    expect(text).toMatch(
      /^# start Jupyter Notebook on the target, detached:\nssh -T .* login isolated-node 'exec \/bin\/sh -c /m,
    );
    expect(text).toMatch(tunnelLine);
    expect(text).toMatch(/^# on the way down, stop it and remove its directory:\nssh -T /m);
  });
});

describe('startServerSession (scripted remote)', () => {
  const input: PresetInput = { via: ['login'], to: 'isolated-node', sock: true };

  it('launches, learns the token from the list, and tunnels a local port to the socket', async () => {
    const remote = fakeRemote({
      launch: { stdout: 'tunnel-launched pid=4321 port=\n' },
      wait: { stdout: listed({ sock: SOCK }) },
    });
    const session = await startServerSession(planServer(await jupyter(), input, IDS), { ssh: { run: remote.run } });
    expect(remote.kinds()).toEqual(['launch', 'wait']);
    expect(session.options.local).toEqual([`18888:${SOCK}`]);
    expect(session.options.via).toEqual(['login']);
    expect(session.state).toEqual({
      preset: 'jupyter',
      via: ['login'],
      to: 'isolated-node',
      sshConfig: undefined,
      dir: DIR,
      pid: 4321,
      keep: false,
    });
    await session.cleanup();
    await session.cleanup();
    expect(remote.kinds()).toEqual(['launch', 'wait', 'stop']);
  });

  it('port mode waits for the port the launch printed', async () => {
    const remote = fakeRemote({
      launch: { stdout: 'tunnel-launched pid=4321 port=40123\n' },
      wait: { stdout: listed({ port: 40123 }) },
    });
    const session = await startServerSession(planServer(await jupyter(), { via: ['n'] }, IDS), {
      ssh: { run: remote.run },
    });
    expect(lastWord(remote.calls[1]!.argv)).toContain('"port": 40123,');
    expect(session.options.local).toEqual(['18888:127.0.0.1:40123']);
  });

  it('--keep leaves the server running on cleanup', async () => {
    const remote = fakeRemote({
      launch: { stdout: 'tunnel-launched pid=1 port=\n' },
      wait: { stdout: listed({ sock: SOCK }) },
    });
    const session = await startServerSession(planServer(await jupyter(), { ...input, keep: true }, IDS), {
      ssh: { run: remote.run },
    });
    await session.cleanup();
    expect(remote.kinds()).toEqual(['launch', 'wait']);
  });

  it.each([
    [
      'the server died',
      { exitCode: 3, stdout: 'tunnel-server-exited\n[C] http://localhost:8888/?token=f00d\nOSError: boom\n' },
      'APP_FAILED',
      /Jupyter Notebook exited on isolated-node \(via login\) before it answered; its log ends:\n\[C\] http:\/\/localhost:8888\/\?token=<redacted>\nOSError: boom$/,
    ],
    [
      'the deadline passed',
      { exitCode: 4, stdout: 'tunnel-server-timeout\nstill importing\n' },
      'READY_TIMEOUT',
      /did not answer on isolated-node \(via login\) within 60 s \(raise --start-timeout\); its log ends:\nstill importing$/,
    ],
    [
      'ssh itself failed',
      { exitCode: 255, stderr: 'debug1: x\nssh: connect to host node port 22: Connection refused\n' },
      'SSH_EXITED',
      /ssh to isolated-node \(via login\) failed while waiting for Jupyter Notebook: ssh: connect to host node port 22: Connection refused/,
    ],
    [
      'the list lacks our server',
      { exitCode: 0, stdout: listed({ sock: '/other.sock' }) },
      'APP_FAILED',
      /is not in its server list/,
    ],
  ])('when %s: a precise error, the token never in it, and the server stopped', async (_, wait, code, message) => {
    const remote = fakeRemote({ launch: { stdout: 'tunnel-launched pid=4321 port=\n' }, wait });
    const error = await startServerSession(planServer(await jupyter(), { ...input, keep: true }, IDS), {
      ssh: { run: remote.run },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(String((error as Error).message)).not.toContain('f00d');
    expect(remote.kinds()).toEqual(['launch', 'wait', 'stop']);
  });

  it('a launch that cannot create its private directory says so', async () => {
    const remote = fakeRemote({ launch: { exitCode: 97, stderr: 'tunnel: cannot create the private directory\n' } });
    await expect(
      startServerSession(planServer(await jupyter(), input, IDS), { ssh: { run: remote.run } }),
    ).rejects.toMatchObject({
      code: 'APP_FAILED',
      message: `could not start Jupyter Notebook on isolated-node (via login): its private directory ${DIR} already exists`,
    });
    expect(remote.kinds()).toEqual(['launch']);
  });
});
