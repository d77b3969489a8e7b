import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSsh } from '../../../src/ssh/process.js';
import { runCli } from '../../support/cli.js';

// What a login node's .bashrc or banner can print through a relay's pty: a title change, a clear, a bell.
const HOSTILE = '\\033]0;TITLE\\007\\033[2J\\033[31mred\\r';

describe('ssh output is terminal-safe', () => {
  it('every line read from the process has its control characters escaped', async () => {
    const child = spawnSsh(['/bin/sh', '-c', `printf '${HOSTILE}\\n' >&2; printf 'out ${HOSTILE}\\n'`]);
    const lines: string[] = [];
    child.onLine((line) => lines.push(line));
    await child.exited;
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(lines).toContain('\\u001b]0;TITLE\\u0007\\u001b[2J\\u001b[31mred');
  });

  it('tunnel logs escapes raw control characters in a log file', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tnl-logs-'));
    try {
      await mkdir(join(home, 'tunnels', 'x'), { recursive: true, mode: 0o700 });
      await writeFile(join(home, 'tunnels', 'x', 'log'), '2026 ssh: \u001b]0;TITLE\u0007\u001b[2Jhello\n', {
        mode: 0o600,
      });
      const result = await runCli(['logs', 'x'], { TUNNEL_HOME: home });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe('2026 ssh: \\u001b]0;TITLE\\u0007\\u001b[2Jhello');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
