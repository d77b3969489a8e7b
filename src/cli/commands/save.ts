import type { Command } from 'commander';
import { addTunnelFlags } from '../tunnel-flags.js';
import type { SaveFlags } from '../actions/save.js';
import type { SetExit } from './index.js';

export function registerSave(program: Command, setExit: SetExit): void {
  addTunnelFlags(program.command('save').argument('<name>', 'name to save the tunnel under (replaces one of the same name)'))
    .description('save a tunnel under a name; start it later with `tunnel up NAME`')
    .option('--json', 'print what was saved as one JSON object')
    .action(async (name: string, flags: SaveFlags) => setExit(await (await import('../actions/save.js')).runSave(name, flags)));
}
