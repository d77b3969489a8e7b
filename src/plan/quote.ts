const SAFE = /^[A-Za-z0-9_/.,:=@%+-]+$/;

/** Quotes one word for a POSIX shell (also correct for csh/tcsh/zsh/bash when the word has no '!' or newline). */
export function shQuote(word: string): string {
  if (word !== '' && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Renders an argv as one copy-pasteable shell line. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}
