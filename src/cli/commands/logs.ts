import type { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { escapeControls } from '../../api/present.js';
import { StringDecoder } from 'node:string_decoder';
import type { SetExit } from '../set-exit.js';

export function registerLogs(program: Command, setExit: SetExit): void {
  program
    .command('logs <name>')
    .description("print a background tunnel's log (state changes and OpenSSH messages)")
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .action(async (name: string, flags: { follow?: boolean }) => {
      // Imported on use: the records' module pulls in node:crypto (temp names), ~10 ms on every start otherwise.
      const { logFile } = await import('../../api/records.js');
      const path = await logFile(name);
      const size = (await stat(path)).size;
      await copy(path, 0, size);
      if (flags.follow) await follow(path, size);
      setExit(0);
    });
}

/** Prints bytes [start, end) of the log, control characters escaped (logs of older versions hold them raw). */
async function copy(path: string, start: number, end: number): Promise<void> {
  if (end <= start) return;
  const decoder = new StringDecoder('utf8');
  for await (const chunk of createReadStream(path, { start, end: end - 1 }))
    process.stdout.write(escapeControls(decoder.write(chunk as Buffer)));
  process.stdout.write(escapeControls(decoder.end()));
}

/** Polls for growth; ends when the log disappears (the tunnel went down) or on a signal. */
async function follow(path: string, from: number): Promise<void> {
  let offset = from;
  let stopped = false;
  const stop = () => (stopped = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopped) {
    const size = await stat(path)
      .then((s) => s.size)
      .catch(() => undefined);
    if (size === undefined) return;
    if (size > offset) {
      await copy(path, offset, size);
      offset = size;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
