import type { Command } from 'commander';
import { TunnelError } from '../../errors.js';
import { renderCompletion } from '../completion.js';
import type { SetExit } from '../set-exit.js';

export function registerCompletion(program: Command, setExit: SetExit): void {
  program
    .command('completion <shell>')
    .description('print a completion script: eval "$(tunnel completion bash)" (bash or zsh)')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh')
        throw new TunnelError('BAD_OPTION', `completion '${shell}': expected bash or zsh`, { field: 'shell' });
      process.stdout.write(renderCompletion(program, shell));
      setExit(0);
    });
}
