import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';
import type { SetExit } from './set-exit.js';
import { styleFor } from './style.js';

/** The whole command tree: main() runs it; the man page and completions are rendered from it. */
export function buildProgram(setExit: SetExit = () => undefined): Command {
  const program = new Command('tunnel')
    .description('Build and supervise SSH tunnels through login and jump nodes with your own OpenSSH')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .option('--debug', 'show stack traces on errors')
    .exitOverride()
    // One line, like every other error: commander puts its '(Did you mean ...?)' on a second one.
    .configureOutput({
      outputError: (text, write) =>
        write(`${styleFor(process.stderr).red(text.trimEnd().replace(/\s*\n\s*/g, ' '))}\n`),
    });
  registerCommands(program, setExit);
  return program;
}

/** The installed package's version; package.json sits two folders up from src/cli/ and from dist/cli/. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
}
