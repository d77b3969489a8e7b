import { mkdir, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readLogTail } from '../../../src/background/logs.js';
import { tunnelDir } from '../../../src/os/state-paths.js';
import { logPath } from '../../../src/background/request.js';
import { useTempStateHome } from '../../support/state-home.js';

describe('readLogTail', () => {
  useTempStateHome('tnl-logs-');

  it('says (no log) when the supervisor wrote none', async () => {
    expect(await readLogTail('nb')).toBe('(no log)');
  });

  it.each<[string, string, number | undefined, string]>([
    ['the last three lines on one line', 'a\nb\nc\nd\ne\n', undefined, 'c | d | e'],
    ['fewer lines than asked', 'only\n', undefined, 'only'],
    ['a chosen number of lines', 'a\nb\nc\n', 1, 'c'],
    ['blank edges trimmed', '\n\nfailed: boom\n\n', undefined, 'failed: boom'],
    ['an empty log', '', undefined, '(no log)'],
  ])('%s', async (_what, text, lines, tail) => {
    await mkdir(tunnelDir('nb'), { recursive: true, mode: 0o700 });
    await writeFile(logPath('nb'), text);
    expect(await readLogTail('nb', lines)).toBe(tail);
  });
});
