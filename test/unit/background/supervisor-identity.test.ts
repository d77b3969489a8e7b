import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isOurSupervisor } from '../../../src/background/supervisor-identity.js';
import { identifyProcess } from '../../../src/os/process-identity.js';
import { useChildren } from '../../support/state-home.js';

describe.runIf(process.platform === 'linux')('isOurSupervisor', () => {
  const children = useChildren();

  it('is true for a live process started as a supervisor (__supervise in its argv), by its identity', async () => {
    const child = await children.start(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', '__supervise', 'nb']);
    expect(isOurSupervisor(identifyProcess(child.pid)!)).toBe(true);
    expect(isOurSupervisor({ pid: child.pid })).toBe(true);
  });

  it.each<[string, () => Promise<{ pid: number; start?: string }>]>([
    ['another program under the pid', async () => identifyProcess((await children.start('sleep', ['60'])).pid)!],
    [
      'a supervisor-like process with another start time',
      async () => ({
        ...identifyProcess(
          (await children.start(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', '__supervise'])).pid,
        )!,
        start: '1',
      }),
    ],
    ['a process that has exited', async () => ({ pid: spawnSync('true').pid })],
  ])('is false for %s', async (_what, identity) => {
    expect(isOurSupervisor(await identity())).toBe(false);
  });
});
