import { TunnelError } from '../../errors.js';

/**
 * Splits `--slurm "-p normal -t 1:00:00 -c 4"` into words, with '...' and "..." quoting as a
 * shell would, but no expansion of any kind: each word reaches sbatch verbatim (shQuote'd).
 */
export function splitSbatchOptions(text: string, refused: Readonly<Record<string, string>> = REFUSED): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (const ch of text) {
    if (/[\u0000-\u001f\u007f]/.test(ch)) throw bad(text, 'control characters (a newline?) are not allowed');
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else word = (word ?? '') + ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (ch === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote !== undefined) throw bad(text, `unbalanced ${quote}`);
  if (word !== undefined) words.push(word);
  checkWords(text, words, refused);
  return words;
}

/** Options that would break how the tunnel talks to the job (it reads the id, then waits for the node itself). */
export const REFUSED: Readonly<Record<string, string>> = {
  '--wrap': 'the tunnel writes the batch script itself; pass the command with --run',
  '--parsable': 'the tunnel adds it',
  '-W': 'sbatch would block until the job ends; the tunnel waits for the node itself',
  '--wait': 'sbatch would block until the job ends; the tunnel waits for the node itself',
  '-a': 'job arrays are not tunnel targets (one job, one node)',
  '--array': 'job arrays are not tunnel targets (one job, one node)',
  '--test-only': 'it submits nothing; use --dry-run to see what would run',
};

function checkWords(text: string, words: string[], refused: Readonly<Record<string, string>>): void {
  for (const word of words) {
    const name = word.startsWith('--') ? word.split('=')[0]! : word.slice(0, 2);
    const why = refused[name];
    if (why !== undefined) throw bad(text, `${name} is not allowed: ${why}`);
  }
  if (words.length > 0 && !words[0]!.startsWith('-'))
    throw bad(text, `'${words[0]!.slice(0, 40)}' is not an option (the command goes in --run)`);
}

function bad(text: string, why: string): TunnelError {
  return new TunnelError(
    'BAD_OPTION',
    `--slurm '${text.slice(0, 80).replace(/[\u0000-\u001f\u007f]/g, '?')}': ${why}`,
    { field: '--slurm' },
  );
}
