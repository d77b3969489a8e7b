import { shQuote } from './quote.js';

/**
 * The one way a script reaches a remote login shell, whatever shell it is (bash, tcsh, zsh):
 * sshd hands this last argv word to the login shell, which only runs /bin/sh on the quoted
 * script. Scripts stay one line and free of '!' so csh history expansion cannot touch them.
 */
export function remoteShell(script: string): string {
  return `exec /bin/sh -c ${shQuote(script)}`;
}

/**
 * A shell function `st PID` that prints a process's start time on the remote host (from /proc, else
 * ps), so remote stop scripts never signal a recycled pid. Silent when the process is gone (it may
 * exit between the test and the read): the caller's one-line errors stay one line.
 */
export const REMOTE_START_TIME_FN =
  'st() { if [ -r "/proc/$1/stat" ]; then sed \'s/.*) //\' "/proc/$1/stat" 2>/dev/null | cut -d" " -f20; else ps -o lstart= -p "$1" 2>/dev/null; fi; }';
