import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { masterPid, runSshPrompting } from '../../../src/ssh/control.js';
import { fakeRun } from '../../support/fake-run.js';

const CHECK = ['ssh', '-S', '/state/cm/abc', '-O', 'check', 'login'];
const MASTER = ['ssh', '-M', '-f', '-N', '-S', '/state/cm/abc', '-o', 'BatchMode=no', 'login'];

describe('masterPid with a fake runner', () => {
  it.each([
    ['a master answers', { exitCode: 0, stderr: 'Master running (pid=4242)\r\n' }, 4242],
    [
      'no master (stale socket)',
      { exitCode: 255, stderr: 'Control socket connect(/state/cm/abc): Connection refused\r\n' },
      undefined,
    ],
    ['exit 0 without a pid', { exitCode: 0, stderr: '' }, undefined],
    ['timed out', { exitCode: null, timedOut: true }, undefined],
  ])('%s', async (_, answer, expected) => {
    const { run, calls } = fakeRun(() => answer);
    expect(await masterPid(CHECK, run)).toBe(expected);
    expect(calls).toEqual([{ argv: CHECK, options: { timeoutMs: 10_000 } }]);
  });
});

describe('runSshPrompting with a fake runner', () => {
  it('runs the master on the terminal with stderr into a private log, and returns its exit code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tnl-prompt-'));
    try {
      const log = join(dir, 'master.log');
      const { run, calls } = fakeRun(() => ({ exitCode: 0 }));
      expect(await runSshPrompting(MASTER, log, { run })).toBe(0);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.argv).toEqual(MASTER);
      expect(calls[0]!.options).toMatchObject({ interactive: true, timeoutMs: 300_000, stderrFd: expect.any(Number) });
      expect((await stat(log)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a run without an exit code (killed at the deadline) counts as 255, a failure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tnl-prompt-'));
    try {
      const { run } = fakeRun(() => ({ exitCode: null, timedOut: true }));
      expect(await runSshPrompting(MASTER, join(dir, 'log'), { run, timeoutMs: 5 })).toBe(255);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
