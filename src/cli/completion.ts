import type { Command, Option } from 'commander';
import { visibleCommands } from './man.js';

/** A bash or zsh completion script generated from the command tree. */
export function renderCompletion(program: Command, shell: 'bash' | 'zsh'): string {
  const commands = visibleCommands(program);
  const cases = commands
    .map(
      (c) =>
        `    ${c.name()}) opts="${(c.options as Option[])
          .filter((o) => !o.hidden)
          .flatMap((o) => [o.short, o.long])
          .filter(Boolean)
          .join(' ')}" ;;`,
    )
    .join('\n');
  const bash = [
    '# tunnel completion for bash: eval "$(tunnel completion bash)"',
    '_tunnel() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" cmd="${COMP_WORDS[1]}" opts=""',
    `  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=($(compgen -W "${commands.map((c) => c.name()).join(' ')}" -- "$cur")); return; fi`,
    '  case "$cmd" in',
    cases,
    '  esac',
    '  COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
    '}',
    'complete -F _tunnel tunnel',
  ].join('\n');
  if (shell === 'bash') return `${bash}\n`;
  return (
    [
      '#compdef tunnel',
      '# tunnel completion for zsh: eval "$(tunnel completion zsh)"',
      'autoload -U +X bashcompinit && bashcompinit',
      bash,
    ].join('\n') + '\n'
  );
}
