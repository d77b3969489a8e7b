import { readFile } from 'node:fs/promises';
import { logPath } from './request.js';

/** The last lines of a tunnel's log, for error messages. */
export async function readLogTail(name: string, lines = 3): Promise<string> {
  const text = await readFile(logPath(name), 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-lines).join(' | ') || '(no log)';
}
