import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../../src');

/**
 * The only files outside src/ssh/ that may start processes, and why: none of them runs an
 * OpenSSH program. Everything that runs ssh (or ssh-add) goes through src/ssh/run.ts
 * (to completion) or src/ssh/process.ts (long-lived), where tests inject a fake.
 */
const NOT_SSH: Record<string, string> = {
  'background/detach.ts': 'starts the background supervisor: this program again under node, detached',
  'background/notify.ts': 'notify-send: a desktop notification that a tunnel needs a login',
  'demo/leftovers.ts': 'ps: finds processes an earlier demo left behind',
  'os/process-identity.ts': 'ps -o lstart: a process start time where /proc has none',
};

const SPAWNS = /(?:from\s+|import\s*\(\s*)['"](?:execa|(?:node:)?child_process)['"]/;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory()
        ? sourceFiles(join(dir, e.name))
        : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []),
    ),
  );
  return nested.flat();
}

async function filesThatSpawn(): Promise<string[]> {
  const files = await sourceFiles(SRC);
  const spawning = await Promise.all(
    files.map(async (file) => (SPAWNS.test(await readFile(file, 'utf8')) ? [relative(SRC, file)] : [])),
  );
  return spawning.flat().sort();
}

describe('src/ssh is the only door to OpenSSH', () => {
  it('no file outside src/ssh imports execa or child_process, except the listed non-ssh ones', async () => {
    const outside = (await filesThatSpawn()).filter((file) => !file.startsWith('ssh/'));
    expect(outside.filter((file) => NOT_SSH[file] === undefined)).toEqual([]);
  });

  it('every allowlist entry still spawns something and gives its reason (no stale exceptions)', async () => {
    const spawning = await filesThatSpawn();
    for (const [file, reason] of Object.entries(NOT_SSH)) {
      expect(spawning, file).toContain(file);
      expect(reason.length, file).toBeGreaterThan(10);
    }
  });

  it('the scan sees the door itself (it would pass vacuously if it saw nothing)', async () => {
    expect(await filesThatSpawn()).toEqual(expect.arrayContaining(['ssh/run.ts', 'ssh/process.ts']));
  });
});
