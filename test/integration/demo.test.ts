import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { pidsMatching } from '../support/processes.js';

// The README's first command: the built CLI against the embedded sandbox, with the real ssh.
// Needs `npx tsc -p .` first (dist/cli/main.js).

interface Summary {
  ok: boolean;
  answer: { status: number; body: string };
  command: string;
  argv: string[];
  reconnect: { restarts: number; recoveredMs: number; answer: { status: number; body: string } };
  cleanup: { alivePids: number[]; processesUsingConfig: number[]; sandboxDirRemoved: boolean };
  sandbox: { dir: string; sshConfigPath: string };
  timingsMs: { total: number };
}

const ESC = '\u001b';

describe('tunnel demo (built CLI, real ssh, embedded sandbox)', () => {
  it('--json: the answer comes through, a drop heals by itself, and nothing is left afterwards', async () => {
    const started = Date.now();
    const result = await runCli(['demo', '--json'], {}, 30_000);
    const elapsed = Date.now() - started;
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as Summary;
    expect(summary.ok).toBe(true);
    expect(summary.answer).toEqual({ status: 200, body: 'hello from isolated-node\n' });
    expect(summary.reconnect.restarts).toBeGreaterThanOrEqual(1);
    expect(summary.reconnect.answer).toEqual({ status: 200, body: 'hello from isolated-node\n' });
    // The printed command is the real argv: plain OpenSSH, jumping through login to the node.
    expect(summary.argv[0]).toBe('ssh');
    expect(summary.argv).toEqual(
      expect.arrayContaining(['-J', 'login', 'isolated-node', '-F', summary.sandbox.sshConfigPath]),
    );
    expect(summary.cleanup).toEqual({ alivePids: [], processesUsingConfig: [], sandboxDirRemoved: true });
    // Checked again from outside the CLI, after it exited.
    expect(await pidsMatching(summary.sandbox.sshConfigPath)).toEqual([]);
    expect(existsSync(summary.sandbox.dir)).toBe(false);
    expect(elapsed).toBeLessThan(15_000);
  });

  it('NO_COLOR (piped): the walkthrough has every step and no escape sequences', async () => {
    const result = await runCli(['demo'], { NO_COLOR: '1' }, 30_000);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).not.toContain(ESC);
    expect(result.stdout).toMatch(/reachable only through login/);
    expect(result.stdout).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/ → 200 "hello from isolated-node"/);
    expect(result.stdout).toMatch(
      /ssh -N -T -v -F \S+ssh_config .* -J login -L 127\.0\.0\.1:\d+:\S+app\.sock isolated-node/,
    );
    expect(result.stdout).toMatch(/reconnected by itself \(restart 1/);
    expect(result.stdout).toMatch(/no ssh process left, sandbox directory removed/);
  });

  it('on a terminal: colour and a spinner, but NO_COLOR turns every escape off', async () => {
    const onTty = (env: Record<string, string>) =>
      execa('script', ['-qec', `node ${CLI} demo`, '/dev/null'], {
        reject: false,
        timeout: 30_000,
        stdin: 'ignore',
        env: { TERM: 'xterm', ...env },
      });
    const coloured = await onTty({});
    expect(coloured.exitCode, coloured.stdout).toBe(0);
    expect(coloured.stdout).toContain(ESC);
    const plain = await onTty({ NO_COLOR: '1' });
    expect(plain.exitCode, plain.stdout).toBe(0);
    expect(plain.stdout).toMatch(/Torn down/);
    expect(plain.stdout).not.toContain(ESC);
  });
});
