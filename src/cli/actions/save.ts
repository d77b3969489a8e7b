import { badSpec } from '../../errors.js';
import { shJoin } from '../../plan/quote.js';
import { saveTunnel, savedTunnelFlags } from '../../profiles/index.js';
import { styleFor } from '../style.js';
import { addTunnelFlags, tunnelOptionsFromFlags, type TunnelFlags } from '../tunnel-flags.js';
export interface SaveFlags extends TunnelFlags {
  json?: boolean;
}


export async function runSave(name: string, flags: SaveFlags): Promise<number> {
  if (flags.name !== undefined && flags.name !== name) {
    throw badSpec('--name', `--name '${flags.name}' differs from NAME '${name}'; the saved tunnel is named by NAME, drop --name`);
  }
  const { name: _ignored, ...options } = tunnelOptionsFromFlags(flags);
  const result = await saveTunnel(name, options);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const verb = result.replaced ? 'replaced' : 'saved';
    const style = styleFor();
    process.stdout.write(`${style.green(verb)} ${style.bold(name)}: ${shJoin(savedTunnelFlags(result.tunnel))}  ${style.dim(`(${result.file})`)}\n`);
  }
  return 0;
}
