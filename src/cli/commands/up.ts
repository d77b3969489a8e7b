import type { Command } from 'commander';
import { addPresetFlags } from '../preset-flags.js';
import { addJobFlags } from '../job-flags.js';
import { addRunFlags } from '../run-flags.js';
import { addTunnelFlags } from '../tunnel-flags.js';
import type { UpFlags } from '../actions/up.js';
import type { SetExit } from './index.js';

export function registerUp(program: Command, setExit: SetExit): void {
  const command = program
    .command('up')
    .argument('[name]', 'a saved tunnel (tunnel save) or an app preset (tunnel apps); flags given here override its settings')
    .description('bring a tunnel up and keep it up until Ctrl-C (or in the background with -d)');
  addJobFlags(addPresetFlags(addRunFlags(addTunnelFlags(command))))
    .action(async (name: string | undefined, flags: UpFlags) => setExit(await (await import('../actions/up.js')).runUp(name, flags)));
}
