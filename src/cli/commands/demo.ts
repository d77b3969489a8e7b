import type { Command } from 'commander';
import type { DemoFlags } from '../actions/demo.js';
import type { SetExit } from './index.js';

export function registerDemo(program: Command, setExit: SetExit): void {
  program
    .command('demo')
    .description('build a real tunnel to an isolated node in a local sandbox, use it, break it, watch it heal, remove it (needs only the ssh client)')
    .option('--json', 'print one JSON summary instead of the walkthrough')
    .option('--keep', 'keep the tunnel up after the walkthrough until Ctrl-C (which then ends it normally)')
    .action(async (flags: DemoFlags) => setExit(await (await import('../actions/demo.js')).runDemoCommand(flags)));
}
