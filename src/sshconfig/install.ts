import { mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  checkEntries,
  composeEntriesFile,
  declaredHostName,
  dropEntries,
  parseEntriesFile,
  upsertEntries,
  type Entry,
} from './entries-file.js';
import {
  commitTemp,
  readState,
  removeLeftoverTemps,
  resolveWritePath,
  writeAtomic,
  writeTemp,
  type FileState,
} from '../os/atomic.js';
import { ensureInclude, includeLine, redirectInclude } from './include.js';
import { withLock } from '../os/lock.js';
import { layoutFor, type SshDirLayout } from './paths.js';
import { validateWithSsh } from './validate.js';

export interface InstallOptions {
  /** Default ~/.ssh (the passwd home's). Tests pass a temp dir so the real one is never touched. */
  sshDir?: string;
  /** How long to wait for a concurrent writer (default 10 s). */
  lockTimeoutMs?: number;
}

/** One file tunnel considered changing. `before` is undefined when the file did not exist. */
export interface FileChange {
  path: string;
  changed: boolean;
  before: string | undefined;
  after: string;
  /** Where the previous content was saved, when there was any and it changed. */
  backup: string | undefined;
}

export interface InstallResult {
  changed: boolean;
  tunnelConf: FileChange;
  mainConfig: FileChange;
}

type Transform = (entries: Entry[]) => Entry[];

/** Adds or replaces entries (by name) in <sshDir>/config.d/tunnel.conf and makes <sshDir>/config include it. */
export async function writeEntries(options: InstallOptions & { entries: readonly Entry[] }): Promise<InstallResult> {
  const entries = checkEntries(options.entries);
  return apply(
    layoutFor(options.sshDir),
    options,
    entries.map((e) => e.name),
    (existing) => upsertEntries(existing, entries),
    true,
  );
}

/** Takes entries out of tunnel.conf. The Include line stays: an Include of an empty file is harmless. */
export async function removeEntries(options: InstallOptions & { names: readonly string[] }): Promise<InstallResult> {
  checkEntries(options.names.map((name) => ({ name, text: '' })));
  return apply(
    layoutFor(options.sshDir),
    options,
    options.names,
    (existing) => dropEntries(existing, options.names),
    false,
  );
}

interface PlannedFile {
  before: FileState | undefined;
  after: string;
  /** False when the bytes stay, or when a missing file would only be created empty. */
  changes: boolean;
}

interface Planned {
  tunnel: PlannedFile;
  main: PlannedFile;
  entries: Entry[];
}

/**
 * Read, plan, and stop if nothing changes: an unchanged run takes no lock and writes nothing.
 * Otherwise, under the lock: plan again (another writer may have finished), validate the
 * candidates with OpenSSH, then replace each file atomically after backing it up.
 */
async function apply(
  layout: SshDirLayout,
  options: InstallOptions,
  names: readonly string[],
  transform: Transform,
  addInclude: boolean,
): Promise<InstallResult> {
  const first = await planChange(layout, transform, addInclude);
  if (!isChange(first)) return result(layout, first, undefined);
  await mkdir(layout.confDir, { recursive: true, mode: 0o700 });
  return withLock(
    layout.lock,
    async () => {
      const mainPath = await resolveWritePath(layout.mainConfig);
      await Promise.all([layout.confDir, layout.sshDir, dirname(mainPath)].map(removeLeftoverTemps));
      const planned = await planChange(layout, transform, addInclude);
      if (!isChange(planned)) return result(layout, planned, undefined);
      const tunnelTemp = await writeTemp(layout.tunnelConf, planned.tunnel.after, planned.tunnel.before?.mode ?? 0o600);
      try {
        await validateCandidate(layout, planned, tunnelTemp, names);
        const backups = await backUp(layout, planned);
        if (planned.tunnel.changes) await commitTemp(tunnelTemp, layout.tunnelConf);
        if (planned.main.changes) {
          await writeAtomic(mainPath, planned.main.after, planned.main.before?.mode ?? 0o600);
        }
        return result(layout, planned, backups);
      } finally {
        await unlink(tunnelTemp).catch(() => undefined);
      }
    },
    { timeoutMs: options.lockTimeoutMs },
  );
}

async function planChange(layout: SshDirLayout, transform: Transform, addInclude: boolean): Promise<Planned> {
  const [tunnel, main] = await Promise.all([readState(layout.tunnelConf), readState(layout.mainConfig)]);
  const entries = transform(tunnel === undefined ? [] : parseEntriesFile(tunnel.text, layout.tunnelConf));
  const mainText = main?.text ?? '';
  const tunnelAfter = composeEntriesFile(entries);
  const mainAfter = addInclude
    ? ensureInclude(mainText, layout.includePaths, includeLine(layout.includeTarget))
    : mainText;
  return {
    tunnel: {
      before: tunnel,
      after: tunnelAfter,
      changes: tunnel === undefined ? entries.length > 0 : tunnel.text !== tunnelAfter,
    },
    main: { before: main, after: mainAfter, changes: main === undefined ? mainAfter !== '' : main.text !== mainAfter },
    entries,
  };
}

function isChange(planned: Planned): boolean {
  return planned.tunnel.changes || planned.main.changes;
}

/** The candidate main config: the planned one, its Include pointed at the candidate tunnel.conf (absolute, so it resolves anywhere). */
async function validateCandidate(
  layout: SshDirLayout,
  planned: Planned,
  tunnelTemp: string,
  names: readonly string[],
): Promise<void> {
  const base = ensureInclude(planned.main.after, layout.includePaths, includeLine(layout.includeTarget));
  const candidate = redirectInclude(base, layout.includePaths, includeLine(tunnelTemp));
  const mainTemp = await writeTemp(layout.mainConfig, candidate, 0o600);
  try {
    const declared = planned.entries.flatMap((e) => {
      const host = names.includes(e.name) ? declaredHostName(e.text) : undefined;
      return host === undefined ? [] : [[e.name, host] as [string, string]];
    });
    await validateWithSsh({
      candidateConfig: mainTemp,
      names,
      rename: [
        [tunnelTemp, layout.tunnelConf],
        [mainTemp, layout.mainConfig],
      ],
      expectedHostNames: new Map(declared),
    });
  } finally {
    await unlink(mainTemp).catch(() => undefined);
  }
}

/** Saves the bytes about to be replaced, once per change; a file that did not exist has nothing to save. */
async function backUp(layout: SshDirLayout, planned: Planned): Promise<{ tunnel?: string; main?: string }> {
  const backups: { tunnel?: string; main?: string } = {};
  const { tunnel, main } = planned;
  if (tunnel.before !== undefined && tunnel.changes) {
    backups.tunnel = `${layout.tunnelConf}.bak`;
    await writeAtomic(backups.tunnel, tunnel.before.text, 0o600);
  }
  if (main.before !== undefined && main.changes) {
    backups.main = `${layout.mainConfig}.bak-tunnel`;
    await writeAtomic(backups.main, main.before.text, 0o600);
  }
  return backups;
}

function result(
  layout: SshDirLayout,
  planned: Planned,
  backups: { tunnel?: string; main?: string } | undefined,
): InstallResult {
  const change = (path: string, file: PlannedFile, backup: string | undefined, wrote: boolean): FileChange => ({
    path,
    changed: wrote && file.changes,
    before: file.before?.text,
    after: file.after,
    backup,
  });
  const wrote = backups !== undefined;
  const tunnelConf = change(layout.tunnelConf, planned.tunnel, backups?.tunnel, wrote);
  const mainConfig = change(layout.mainConfig, planned.main, backups?.main, wrote);
  return { changed: tunnelConf.changed || mainConfig.changed, tunnelConf, mainConfig };
}
