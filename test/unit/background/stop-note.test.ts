import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { stopNotePath, takeStopNote, writeStopNote } from '../../../src/background/stop-note.js';
import { ensurePrivateDir } from '../../../src/os/private-dir.js';
import { stateHome, tunnelsDir } from '../../../src/os/state-paths.js';
import { useTempStateHome } from '../../support/state-home.js';

describe('stop note', () => {
  useTempStateHome('tnl-stop-note-');

  it('is private, sits beside the tunnel directories (not listed as one), and is read once', async () => {
    await ensurePrivateDir(stateHome());
    await ensurePrivateDir(tunnelsDir());
    const jobs = [
      { id: '12', what: 'the job of this tunnel, on node7', cancelled: false, error: 'Invalid job id specified' },
    ];
    await writeStopNote('nb', jobs);
    expect(stopNotePath('nb').startsWith(`${tunnelsDir()}/.`)).toBe(true);
    expect(statSync(stopNotePath('nb')).mode & 0o777).toBe(0o600);
    expect(await takeStopNote('nb')).toEqual(jobs);
    expect(existsSync(stopNotePath('nb'))).toBe(false);
    expect(await takeStopNote('nb')).toEqual([]);
  });

  it.each([
    ['not JSON', 'cancelled'],
    ['no list', '{"jobs":3}'],
    [
      'entries of the wrong shape',
      '{"jobs":[{"id":12,"what":"x","cancelled":true},{"id":"3","what":"y","cancelled":"yes"}]}',
    ],
  ])('%s: nothing is reported, and the file goes', async (_, text) => {
    await ensurePrivateDir(stateHome());
    await ensurePrivateDir(tunnelsDir());
    await writeFile(stopNotePath('bad'), text, { mode: 0o600 });
    expect(await takeStopNote('bad')).toEqual([]);
    expect(existsSync(stopNotePath('bad'))).toBe(false);
  });

  it('refuses a name that could leave the state directory', () => {
    expect(() => stopNotePath('../x')).toThrow();
  });
});
