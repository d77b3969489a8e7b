import { writeAtomic } from '../fs/atomic.js';

/**
 * Writes a state file so readers (and a crash at any moment) see either the old or the new
 * content, never a truncated one. The one atomic writer: temp file, fsync, rename, fsync dir.
 */
export function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  return writeAtomic(path, data, mode);
}
