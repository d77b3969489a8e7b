import type { Command } from 'commander';
import { apps as loadPresets } from '../../api/apps.js';
import { styleFor } from '../style.js';
import type { SetExit } from '../set-exit.js';

export function registerApps(program: Command, setExit: SetExit): void {
  program
    .command('apps')
    .description('list the app presets for `tunnel up <preset>` (templates/presets/*.json)')
    .option('--json', 'print a JSON array of {name, kind, description}')
    .action(async (flags: { json?: boolean }) => setExit(await runApps(flags)));
}

async function runApps(flags: { json?: boolean }): Promise<number> {
  const presets = await loadPresets();
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify(presets.map(({ name, kind, description }) => ({ name, kind, description })))}\n`,
    );
    return 0;
  }
  const style = styleFor();
  const width = Math.max(...presets.map((p) => p.name.length));
  for (const preset of presets)
    process.stdout.write(`${style.bold(preset.name.padEnd(width))}  ${preset.description}\n`);
  return 0;
}
