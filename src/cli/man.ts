import type { Command, Option } from 'commander';
import { MAN_SECTIONS } from './man-sections.js';

/** Renders man/tunnel.1 (roff) from the command tree, so the page and --help cannot drift apart. */
export function renderMan(program: Command, version: string): string {
  const lines = [
    `.TH TUNNEL 1 "" "tunnel ${version}" "User Commands"`,
    '.SH NAME',
    `tunnel \\- ${escape(program.description())}`,
    '.SH SYNOPSIS',
    '.B tunnel',
    '.I command',
    '[\\fIoptions\\fR]',
    ...MAN_SECTIONS.description,
    '.SH COMMANDS',
  ];
  for (const { command, path } of commandPaths(program)) {
    lines.push(
      '.SS',
      `.B tunnel ${escape(path)} ${escape(argumentsOf(command))}`.trimEnd(),
      escape(command.description()),
    );
    for (const option of command.options as Option[]) {
      if (option.hidden) continue;
      lines.push('.TP', `.B ${escape(option.flags)}`, escape(option.description));
    }
  }
  lines.push(...MAN_SECTIONS.rest);
  return `${lines.join('\n')}\n`;
}

/** Every leaf command with its full name (`service install`), one level of nesting. */
function commandPaths(program: Command): Array<{ command: Command; path: string }> {
  return visibleCommands(program).flatMap((command) => {
    const subs = visibleCommands(command);
    return subs.length === 0
      ? [{ command, path: command.name() }]
      : subs.map((sub) => ({ command: sub, path: `${command.name()} ${sub.name()}` }));
  });
}

export function visibleCommands(program: Command): Command[] {
  return program.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
}

function argumentsOf(command: Command): string {
  return command.registeredArguments
    .map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}${a.variadic ? '...' : ''}]`))
    .join(' ');
}

/** roff: backslashes doubled, '-' as \-, and a leading '.' or "'" neutralised. */
function escape(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
}
