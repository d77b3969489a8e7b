import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  descendantsOf,
  formatIdentity,
  identifyProcess,
  isProcessAlive,
  isSameProcess,
  parseIdentity,
  processArgv,
  type ProcessIdentity,
} from '../../../src/os/process-identity.js';
import { killChild, useChildren } from '../../support/state-home.js';

const linux = process.platform === 'linux';

/** Field 22 of /proc/PID/stat, read independently of the module under test. */
function startTicks(pid: number): string {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe('formatIdentity / parseIdentity', () => {
  it.each<[string, ProcessIdentity | undefined]>([
    ['123 456 abc-def', { pid: 123, start: '456', boot: 'abc-def' }],
    ['123 - -', { pid: 123, start: undefined, boot: undefined }],
    ['123', { pid: 123, start: undefined, boot: undefined }],
    ['  123   456  \n', { pid: 123, start: '456', boot: undefined }],
    ['0 1 2', undefined],
    ['-5 1 2', undefined],
    ['012 1 2', undefined],
    ['abc', undefined],
    ['', undefined],
  ])('parses %j', (text, identity) => {
    expect(parseIdentity(text)).toEqual(identity);
  });

  it.each<ProcessIdentity>([
    { pid: 1, start: '99', boot: 'b' },
    { pid: 77, start: undefined, boot: undefined },
    { pid: 77, start: 'Mon_Jan_1_00:00:00_2026', boot: undefined },
  ])('round-trips %j', (identity) => {
    expect(parseIdentity(formatIdentity(identity))).toEqual(identity);
  });
});

describe.runIf(linux)('identity of live processes (Linux /proc)', () => {
  const children = useChildren();

  it('names this process by pid, its start time and the boot', () => {
    const me = identifyProcess();
    expect(me).toEqual({
      pid: process.pid,
      start: startTicks(process.pid),
      boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
    });
    expect(isSameProcess(me!)).toBe(true);
  });

  it('names a child by its own start time; it is the same process until it dies, then nobody', async () => {
    const child = await children.start('sleep', ['60']);
    const identity = identifyProcess(child.pid)!;
    expect(identity.pid).toBe(child.pid);
    expect(identity.start).toBe(startTicks(child.pid));
    expect(isProcessAlive(child.pid)).toBe(true);
    expect(isSameProcess(identity)).toBe(true);
    expect(processArgv(child.pid)).toEqual(['sleep', '60']);
    await killChild(child);
    expect(isProcessAlive(child.pid)).toBe(false);
    expect(identifyProcess(child.pid)).toBeUndefined();
    expect(isSameProcess(identity)).toBe(false);
    expect(processArgv(child.pid)).toBeUndefined();
  });

  it.each<[string, (real: ProcessIdentity) => ProcessIdentity, boolean]>([
    [
      'another start time (the pid was recycled)',
      (real) => ({ ...real, start: String(Number(real.start) + 1) }),
      false,
    ],
    ['another boot (the same ticks after a reboot)', (real) => ({ ...real, boot: 'another-boot' }), false],
    ['no start time (an older record): trusted as far as its pid', (real) => ({ pid: real.pid }), true],
    ['no boot id: checked by start time alone', (real) => ({ pid: real.pid, start: real.start }), true],
  ])('a live pid with %s', async (_what, fake, same) => {
    const child = await children.start('sleep', ['60']);
    expect(isSameProcess(fake(identifyProcess(child.pid)!))).toBe(same);
  });

  it('finds a grandchild among the descendants of a child', async () => {
    const shell = await children.start('sh', ['-c', 'sleep 60 & wait']);
    const deadline = Date.now() + 5000;
    let found: number[] = [];
    while (found.length === 0 && Date.now() < deadline) {
      found = descendantsOf(shell.pid);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    try {
      expect(found).toHaveLength(1);
      expect(processArgv(found[0]!)).toEqual(['sleep', '60']);
      expect(descendantsOf(process.pid)).toEqual(expect.arrayContaining([shell.pid, found[0]]));
    } finally {
      // Not our direct child: killed by the pid found under our shell, before the shell (which reaps it).
      for (const pid of found) process.kill(pid, 'SIGKILL');
      await killChild(shell);
    }
  });
});
