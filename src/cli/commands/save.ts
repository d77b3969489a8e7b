import type { Command } from 'commander';
import { badSpec } from '../../errors.js';
import { shJoin } from '../../api/present.js';
import type { SetExit } from '../set-exit.js';
import { styleFor } from '../style.js';
import { addTunnelFlags, tunnelOptionsFromFlags, type TunnelFlags } from '../tunnel-flags.js';

interface SaveFlags extends TunnelFlags {
  json?: boolean;
}

export function registerSave(program: Command, setExit: SetExit): void {
  addTunnelFlags(
    program.command('save').argument('<name>', 'name to save the tunnel under (replaces one of the same name)'),
  )
    .description('save a tunnel under a name; start it later with `tunnel up NAME`')
    .option('--json', 'print what was saved as one JSON object')
    .action(async (name: string, flags: SaveFlags) => setExit(await runSave(name, flags)));
}

async function runSave(name: string, flags: SaveFlags): Promise<number> {
  if (flags.name !== undefined && flags.name !== name) {
    throw badSpec(
      '--name',
      `--name '${flags.name}' differs from NAME '${name}'; the saved tunnel is named by NAME, drop --name`,
    );
  }
  const { save, savedTunnelFlags } = await import('../../api/saved.js');
  const result = await save({ name, tunnel: tunnelOptionsFromFlags(flags) });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const verb = result.replaced ? 'replaced' : 'saved';
    const style = styleFor();
    process.stdout.write(
      `${style.green(verb)} ${style.bold(name)}: ${shJoin(savedTunnelFlags(result.tunnel))}  ${style.dim(`(${result.file})`)}\n`,
    );
  }
  return 0;
}
