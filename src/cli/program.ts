import { Command } from 'commander';
import { registerCommands, type SetExit } from './commands/index.js';
import { styleFor } from './style.js';

/** The whole command tree: main() runs it; the man page and completions are rendered from it. */
export function buildProgram(setExit: SetExit = () => undefined): Command {
  const program = new Command('tunnel')
    .description('Build and supervise SSH tunnels through login and jump nodes with your own OpenSSH')
    .option('--debug', 'show stack traces on errors')
    .exitOverride()
    // One line, like every other error: commander puts its '(Did you mean ...?)' on a second one.
    .configureOutput({ outputError: (text, write) => write(`${styleFor(process.stderr).red(text.trimEnd().replace(/\s*\n\s*/g, ' '))}\n`) });
  registerCommands(program, setExit);
  return program;
}
