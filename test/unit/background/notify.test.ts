import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notifyNeedsAuth } from '../../../src/background/notify.js';

describe('notifyNeedsAuth', () => {
  let dir: string;
  let savedPath: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tnl-notify-'));
    await mkdir(join(dir, 'bin'));
    savedPath = process.env.PATH;
  });
  afterEach(async () => {
    process.env.PATH = savedPath;
    await rm(dir, { recursive: true, force: true });
  });

  /** A notify-send of our own, alone on PATH, that logs its argv one word a line and exits with `code`. */
  const fakeNotifier = async (code: number) => {
    const script = join(dir, 'bin', 'notify-send');
    await writeFile(script, `#!/bin/sh\nfor a in "$@"; do echo "$a"; done > '${join(dir, 'argv')}'\nexit ${code}\n`);
    await chmod(script, 0o755);
    process.env.PATH = join(dir, 'bin');
  };

  it('shows the tunnel and the command to run, and says it was shown', async () => {
    await fakeNotifier(0);
    expect(await notifyNeedsAuth('nb')).toBe(true);
    expect((await readFile(join(dir, 'argv'), 'utf8')).split('\n').filter(Boolean)).toEqual([
      '--app-name=tunnel',
      '--urgency=critical',
      'tunnel nb needs you to log in again',
      'Run: tunnel auth nb',
    ]);
  });

  it('is false, never an error, when the notifier fails', async () => {
    await fakeNotifier(1);
    expect(await notifyNeedsAuth('nb')).toBe(false);
  });

  it('is false, never an error, when there is no notifier', async () => {
    process.env.PATH = join(dir, 'bin');
    expect(await notifyNeedsAuth('nb')).toBe(false);
  });
});
