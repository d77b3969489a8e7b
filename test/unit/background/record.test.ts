import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tunnelDir } from '../../../src/os/state-paths.js';
import {
  listTunnelNames,
  readRecord,
  RECORD_FILE,
  removeTunnelDir,
  writeRecord,
  type TunnelRecord,
} from '../../../src/background/record.js';
import { TunnelError } from '../../../src/errors.js';
import { useTempStateHome } from '../../support/state-home.js';

const SSH = ['ssh', '-T', 'login', 'rm -f /tmp/a.sock'];
const LEASE = { master: SSH, check: SSH, cancel: SSH, exit: SSH, usersDir: '/tmp/users', user: 'u1' };

function valid(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'nb',
    supervisorPid: 4242,
    state: 'up',
    strategy: 'jump',
    route: ['login'],
    forwards: [],
    sshPids: [],
    localSockets: [],
    remoteCleanup: [SSH],
    commands: [],
    startedAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    restarts: 0,
    ...over,
  };
}

const JOB = { id: '42', cancel: ['ssh', 'login', 'scancel 42'] };

describe('readRecord', () => {
  const state = useTempStateHome('tnl-record-');
  const writeRaw = async (text: string) => {
    await mkdir(tunnelDir('nb'), { recursive: true, mode: 0o700 });
    await writeFile(join(tunnelDir('nb'), RECORD_FILE), text);
  };

  it('is undefined when there is no record', async () => {
    expect(await readRecord('nb')).toBeUndefined();
  });

  it.each<[string, string, string]>([
    ['garbage', '{"name": "nb",\n  oops', 'not valid JSON'],
    ['an empty file', '', 'not valid JSON'],
    ['a list', '[]', 'not a JSON object'],
    ['null', 'null', 'not a JSON object'],
    ['no supervisorPid', JSON.stringify(valid({ supervisorPid: '4242' })), "no numeric 'supervisorPid'"],
    ['sshPids not a list', JSON.stringify(valid({ sshPids: 7 })), "'sshPids' is not a list"],
    ['no route', JSON.stringify(valid({ route: undefined })), "'route' is not a list"],
    [
      'remoteCleanup running sh',
      JSON.stringify(valid({ remoteCleanup: [['sh', '-c', 'rm -rf ~']] })),
      "'remoteCleanup' holds something other than ssh commands",
    ],
    [
      'remoteCleanup with a non-string word',
      JSON.stringify(valid({ remoteCleanup: [['ssh', 1]] })),
      "'remoteCleanup' holds something other than ssh commands",
    ],
    [
      'remoteCleanup not a list',
      JSON.stringify(valid({ remoteCleanup: 'ssh login' })),
      "'remoteCleanup' holds something other than ssh commands",
    ],
    [
      'a lease whose exit is not ssh',
      JSON.stringify(valid({ muxLease: { ...LEASE, exit: ['kill', '1'] } })),
      "'muxLease' is not a valid lease",
    ],
    [
      'a lease user with a slash',
      JSON.stringify(valid({ muxLease: { ...LEASE, user: '../x' } })),
      "'muxLease' is not a valid lease",
    ],
    [
      'a lease without usersDir',
      JSON.stringify(valid({ muxLease: { ...LEASE, usersDir: undefined } })),
      "'muxLease' is not a valid lease",
    ],
    ['a job without id', JSON.stringify(valid({ job: { cancel: null } })), "'job' is not a valid job"],
    [
      'a job cancelled by something else than ssh',
      JSON.stringify(valid({ job: { ...JOB, cancel: ['scancel', '42'] } })),
      "'job' is not a valid job",
    ],
  ])('%s: STATE_CORRUPT naming the file, the problem and `tunnel down`', async (_what, text, problem) => {
    await writeRaw(text);
    const error = await readRecord('nb').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TunnelError);
    expect((error as TunnelError).code).toBe('STATE_CORRUPT');
    const message = (error as TunnelError).message;
    expect(message).toBe(
      `${join(state.home, 'tunnels', 'nb', RECORD_FILE)} is corrupt (${problem}); run 'tunnel down nb' to clear it`,
    );
    expect(message).not.toContain('\n'); // JSON.parse's own message quotes the garbage
  });

  it.each<[string, Record<string, unknown>]>([
    ['a minimal record', valid()],
    ['no remoteCleanup at all (an earlier version)', valid({ remoteCleanup: undefined })],
    ['a valid lease', valid({ muxLease: LEASE })],
    ['a job that may be cancelled', valid({ job: JOB })],
    ['a job that must not be cancelled', valid({ job: { ...JOB, cancel: null } })],
  ])('accepts %s', async (_what, fields) => {
    await writeRaw(JSON.stringify(fields));
    expect(await readRecord('nb')).toEqual(fields);
  });
});

describe('writeRecord', () => {
  const state = useTempStateHome('tnl-record-');
  const record = valid() as unknown as TunnelRecord;

  it('creates the tunnel directory 0700 and a 0600 record that reads back equal', async () => {
    await writeRecord(record);
    expect((await stat(tunnelDir('nb'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(tunnelDir('nb'), RECORD_FILE))).mode & 0o777).toBe(0o600);
    expect(await readRecord('nb')).toEqual(record);
    expect(await listTunnelNames()).toEqual(['nb']);
  });

  it('with {existing: true}, never recreates a directory that down removed', async () => {
    await writeRecord(record);
    await removeTunnelDir('nb');
    await expect(
      writeRecord({ ...record, state: 'reconnecting' }, undefined, { existing: true }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(tunnelDir('nb'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await listTunnelNames()).toEqual([]);
  });

  it('with {existing: true}, replaces the record in a directory that is there, leaving no temp file', async () => {
    await writeRecord(record);
    await writeRecord({ ...record, state: 'degraded' }, undefined, { existing: true });
    expect((await readRecord('nb'))?.state).toBe('degraded');
    expect(await readdir(tunnelDir('nb'))).toEqual([RECORD_FILE]);
  });

  it('takes the home it is given over TUNNEL_HOME', async () => {
    const other = join(state.home, 'other');
    await writeRecord(record, other);
    expect(await listTunnelNames(other)).toEqual(['nb']);
    expect(await listTunnelNames()).toEqual([]);
  });
});

describe('listTunnelNames', () => {
  useTempStateHome('tnl-record-');

  it('lists directories only, sorted, and nothing when the state dir is missing', async () => {
    expect(await listTunnelNames()).toEqual([]);
    for (const name of ['zeta', 'alpha']) await mkdir(tunnelDir(name), { recursive: true });
    await writeFile(join(tunnelDir('alpha'), '..', 'stray-file'), '');
    expect(await listTunnelNames()).toEqual(['alpha', 'zeta']);
  });
});
