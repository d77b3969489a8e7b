import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderMan } from '../../../src/cli/man.js';
import { buildProgram } from '../../../src/cli/program.js';
import { renderCompletion } from '../../../src/cli/completion.js';

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

describe('man page and completion come from the same tree as --help', () => {
  it('man/tunnel.1 is up to date (run npm run man after changing commands or flags)', () => {
    expect(readFileSync('man/tunnel.1', 'utf8')).toBe(renderMan(buildProgram(), version));
  });

  it('documents every visible command and option', () => {
    const page = renderMan(buildProgram(), version);
    for (const command of buildProgram().commands) {
      if ((command as unknown as { _hidden?: boolean })._hidden) continue;
      expect(page).toContain(`.B tunnel ${command.name()}`);
      for (const sub of command.commands) expect(page).toContain(`.B tunnel ${command.name()} ${sub.name()}`);
      for (const option of command.options) expect(page).toContain(option.flags.replace(/-/g, '\\-'));
    }
    expect(page).not.toContain('__supervise');
  });

  it.each(['bash', 'zsh'] as const)('%s completion lists every command', (shell) => {
    const script = renderCompletion(buildProgram(), shell);
    for (const name of ['up', 'ls', 'status', 'logs', 'down']) expect(script).toContain(name);
    expect(script).not.toContain('__supervise');
  });
});

describe('man/tunnel.1 renders', () => {
  it.runIf(existsSync('/usr/bin/groff'))('with groff and no warnings', () => {
    const result = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-P-cbou', 'man/tunnel.1'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('EXIT STATUS');
  });
});
