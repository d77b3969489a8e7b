import { shQuote } from '../plan/quote.js';

/**
 * The one way a script reaches a remote login shell, whatever shell it is (bash, tcsh, zsh):
 * sshd hands this last argv word to the login shell, which only runs /bin/sh on the quoted
 * script. Scripts stay one line and free of '!' so csh history expansion cannot touch them.
 */
export function remoteShell(script: string): string {
  return `exec /bin/sh -c ${shQuote(script)}`;
}
