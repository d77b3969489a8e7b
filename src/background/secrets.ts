import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../os/atomic.js';
import { tunnelDir } from '../os/state-paths.js';

/** Tokens in URLs (Jupyter's ?token=...) never reach the record that ls and status print. */
export function redactTokens<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(/([?&]token=)[^&\s"\\]+/g, '$1<redacted>')) as T;
}

const SECRET_FILE = 'report.secret.json';

/** The unredacted preset report, 0600, read once by the `up -d` that started the tunnel. */
export async function writeSecretReport(name: string, report: unknown): Promise<void> {
  await writeFileAtomic(join(tunnelDir(name), SECRET_FILE), JSON.stringify(report), 0o600);
}

/** Reads the unredacted report and removes it: the token is shown to the caller once, then kept nowhere on disk. */
export async function takeSecretReport(
  name: string,
): Promise<{ lines: string[]; json: Record<string, unknown> } | undefined> {
  const path = join(tunnelDir(name), SECRET_FILE);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  await rm(path, { force: true });
  return text === undefined ? undefined : (JSON.parse(text) as { lines: string[]; json: Record<string, unknown> });
}
