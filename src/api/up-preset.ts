import { resolvePresetUp, type PresetInput } from '../presets/index.js';
import { openSession } from '../session/open.js';
import { start } from './start.js';
import type { PreparedUp } from './up-types.js';

/** An app preset: the app on the node, then its tunnel; its options are checked here, before anything runs. */
export async function preparePresetUp(name: string, input: PresetInput): Promise<PreparedUp> {
  const presetUp = await resolvePresetUp(name, input);
  return {
    kind: 'preset',
    presetName: name,
    dryRun: async () => `${presetUp.dryRun().join('\n')}\n`,
    open: (openOptions) => openSession({ kind: 'preset', name, input }, openOptions),
    start: (startOptions) => start({ ...startOptions, preset: { name, input } }),
  };
}
