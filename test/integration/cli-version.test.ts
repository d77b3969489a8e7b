import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

// The built CLI (dist/): --version and -V print package.json's version, nothing else, exit 0;
// --debug maps stack frames back to src/.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('tunnel --version', () => {
  it.each([['--version'], ['-V']])('%s prints the version from package.json', async (flag) => {
    const result = await runCli([flag]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(version); // execa strips the one final newline
    expect(result.stderr).toBe('');
  });

  it('--debug: stack frames point at the TypeScript sources (dist/ ships source maps)', async () => {
    const result = await runCli(['--debug', 'status', 'no-such-tunnel'], {
      TUNNEL_HOME: join(tmpdir(), `tnl-no-state-${process.pid}`),
    });
    expect(result.exitCode).toBe(6);
    expect(result.stderr).toMatch(/^tunnel: no tunnel named 'no-such-tunnel'/);
    expect(result.stderr).toMatch(/^\s+at .*\/src\/cli\/dispatch\.ts:\d+:\d+\)?$/m);
  });

  it('--help lists it', async () => {
    const result = await runCli(['--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^\s+-V, --version\s+print the version/m);
  });
});
