import { join } from 'node:path';
import type { Command } from 'commander';
import { APPS, shJoin, type InitFlags, type InitIO } from '../../api/present.js';
import type { InitResult } from '../../api/init.js';
import { exitCodeForSignal } from '../exit-codes.js';
import type { SetExit } from '../set-exit.js';
import { styleFor } from '../style.js';

export function registerInit(program: Command, setExit: SetExit): void {
  program
    .command('init')
    .description(
      'set up tunnel for your cluster: asks (or takes flags), checks each answer with your own ssh, saves a profile, offers ssh_config entries',
    )
    .option('--login <[user@]host[:port]>', 'the login node (an ssh alias works too)')
    .option(
      '--name <name>',
      "a short name for the cluster: the ssh_config Host alias and the saved tunnels' prefix (default: from the host)",
    )
    .option('--isolated', 'compute nodes are reachable only through the login node')
    .option('--no-isolated', 'compute nodes are not isolated (tunnels end on the login node)')
    .option('--node <name>', 'an example compute node, as the login node knows it (implies --isolated)')
    .option(
      '--node-pattern <pattern>',
      'ssh_config Host pattern for the compute nodes (default: from --node, e.g. node*)',
    )
    .option('--apps <list>', `apps you use, comma-separated: ${APPS.join(', ')} (or none)`)
    .option('--write-config', 'write the ssh_config entries (~/.ssh/config.d/tunnel.conf, included from ~/.ssh/config)')
    .option('--no-write-config', 'do not write ssh_config entries')
    .option('-F, --ssh-config <file>', 'read this ssh_config instead of ~/.ssh/config (passed to ssh as -F)')
    .option('--ssh-dir <dir>', 'the ssh directory to write entries into (default ~/.ssh)')
    .option(
      '-y, --yes',
      'ask nothing: take the default for every question not given as a flag (never writes ssh_config without --write-config)',
    )
    .option('--json', 'ask nothing; print one JSON object')
    .action(async (flags: InitFlags) => setExit(await runInitCommand(flags)));
}

async function runInitCommand(flags: InitFlags): Promise<number> {
  const { init: runInit, loadInquirerPrompter } = await import('../../api/init.js');
  // ssh may prompt whenever stdin is a terminal; init's own questions also need stdout to be one.
  const terminal = process.stdin.isTTY === true;
  const interactive = terminal && process.stdout.isTTY === true && flags.yes !== true && flags.json !== true;
  try {
    const result = await runInit({
      flags,
      io: flags.json ? quietIO() : humanIO(),
      prompter: interactive ? await loadInquirerPrompter() : undefined,
      terminal,
    });
    process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `${nextSteps(result, flags).join('\n')}\n`);
    return 0;
  } catch (error) {
    // Ctrl-C inside a question: inquirer's ExitPromptError. Nothing half-written: each file is replaced atomically.
    if (error instanceof Error && error.name === 'ExitPromptError') return exitCodeForSignal('SIGINT');
    throw error;
  }
}

function humanIO(): InitIO {
  const style = styleFor(process.stdout);
  const marks = { ok: style.green('✔'), warn: style.yellow('!'), info: style.cyan('›') };
  return {
    say: (kind, text) => void process.stdout.write(`${marks[kind]} ${text}\n`),
    show: (lines) => {
      const colour = (line: string) =>
        line.startsWith('+') && !line.startsWith('+++')
          ? style.green(line)
          : line.startsWith('-') && !line.startsWith('---')
            ? style.red(line)
            : style.dim(line);
      process.stdout.write(`${lines.map((line) => `    ${colour(line)}`).join('\n')}\n`);
    },
  };
}

/** --json: the result is the output; progress stays off stdout. */
function quietIO(): InitIO {
  return { say: () => undefined, show: () => undefined };
}

/** Commands to try now, each with what it does; `-F` only where the files are not the default ones. */
function nextSteps(result: InitResult, flags: InitFlags): string[] {
  const style = styleFor(process.stdout);
  const steps: Array<[string, string]> = [];
  if (result.sshConfig.written || result.sshConfig.diff.length === 0) {
    const config = flags.sshDir === undefined ? [] : ['-F', join(flags.sshDir, 'config')];
    steps.push([shJoin(['ssh', ...config, result.name]), 'log in to the login node']);
  }
  const { via, to, sshConfig } = result.tunnelOptions;
  const route = [
    ...(via === undefined ? [] : ['--via', [via].flat().join(',')]),
    '--to',
    String(to),
    ...(sshConfig === undefined ? [] : ['-F', sshConfig]),
  ];
  steps.push([shJoin(['tunnel', 'up', ...route, '-L', '8888:localhost:8888']), 'a tunnel of your own']);
  for (const name of result.profile.tunnels)
    steps.push([shJoin(['tunnel', 'up', name]), `the ${name.slice(result.name.length + 1)} preset`]);
  const width = Math.max(...steps.map(([command]) => command.length));
  return [
    '',
    style.bold('Next:'),
    ...steps.map(([command, what]) => `  ${command.padEnd(width)}   ${style.dim(`# ${what}`)}`),
  ];
}
