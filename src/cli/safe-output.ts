import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

/** What a write fails with once the reader is gone: a closed pipe (`| head`) or a hung-up terminal. */
const READER_GONE = new Set(['EPIPE', 'EIO', 'ECONNRESET', 'ERR_STREAM_DESTROYED']);

let lost: NodeJS.ErrnoException | undefined;

/**
 * Makes stdout and stderr unable to stop the CLI. Without a listener, Node turns a failed
 * write (EPIPE after `| head` exits, EIO after the terminal closed) into an uncaught exception
 * that exits 1 at once, skipping teardown: ssh keeps running and a preset's app stays up on the
 * node. So every error on them is swallowed here; what was lost for another reason (a full
 * disk behind `> file`) is remembered for the exit code.
 */
export function guardStdio(streams: NodeJS.WritableStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (stream.listeners('error').includes(onError)) continue;
    stream.on('error', onError);
  }
}

function onError(error: NodeJS.ErrnoException): void {
  if (!READER_GONE.has(error.code ?? '')) lost ??= error;
}

/** An output error that was not a reader going away (a full disk, a quota), if any. */
export function lostOutput(): NodeJS.ErrnoException | undefined {
  return lost;
}

/** Which of stdin, stdout and stderr were a terminal when we started. */
const TERMINALS_AT_START = [0, 1, 2].filter((fd) => isatty(fd));

/**
 * Call last, with the exit code set. At exit Node restores each standard stream's terminal
 * modes and, when that terminal has hung up, aborts instead (SIGABRT, so no exit code: seen on
 * Node 20; nodejs/node#51519, fixed upstream by #58200). It skips descriptors that are closed,
 * so one that was a terminal at start and is none now (a hung-up tty fails every ioctl) is closed.
 */
export function releaseHungUpTerminal(): void {
  for (const fd of TERMINALS_AT_START) {
    if (isatty(fd)) continue;
    try {
      closeSync(fd);
    } catch {
      // already closed: nothing for Node to restore either
    }
  }
}
