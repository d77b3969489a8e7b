import { readState } from '../os/atomic.js';
import { renderLineDiff } from '../sshconfig/diff.js';
import {
  checkEntries,
  composeEntriesFile,
  parseEntriesFile,
  upsertEntries,
  type Entry,
} from '../sshconfig/entries-file.js';
import { ensureInclude, includeLine } from '../sshconfig/include.js';
import { layoutFor } from '../sshconfig/paths.js';

export interface EntriesPreview {
  /** Unified-diff lines for tunnel.conf and the main config; empty when nothing would change. */
  diff: string[];
  tunnelConf: string;
  mainConfig: string;
}

/** What writeEntries would change, computed the same way from the same files, without writing. */
export async function previewEntries(entries: readonly Entry[], sshDir: string | undefined): Promise<EntriesPreview> {
  const layout = layoutFor(sshDir);
  const [tunnel, main] = await Promise.all([readState(layout.tunnelConf), readState(layout.mainConfig)]);
  const existing = tunnel === undefined ? [] : parseEntriesFile(tunnel.text, layout.tunnelConf);
  const tunnelAfter = composeEntriesFile(upsertEntries(existing, checkEntries(entries)));
  const mainBefore = main?.text ?? '';
  const mainAfter = ensureInclude(mainBefore, layout.includePaths, includeLine(layout.includeTarget));
  return {
    diff: [
      ...renderLineDiff(tunnel?.text ?? '', tunnelAfter, layout.tunnelConf),
      ...renderLineDiff(mainBefore, mainAfter, layout.mainConfig),
    ],
    tunnelConf: layout.tunnelConf,
    mainConfig: layout.mainConfig,
  };
}
