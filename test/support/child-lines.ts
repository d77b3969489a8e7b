import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { waitFor } from '../harness/proc.js';

/** Lines of a child's stdout and stderr, with a way to wait for one. */
export function lines(child: ChildProcess): { all: string[]; waitFor(pattern: RegExp, ms: number): Promise<string> } {
  const all: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    if (stream) createInterface({ input: stream }).on('line', (l) => all.push(l));
  return {
    all,
    async waitFor(pattern, ms) {
      await waitFor(() => all.some((l) => pattern.test(l)), ms, `${pattern}; got:\n${all.join('\n')}`);
      return all.find((l) => pattern.test(l))!;
    },
  };
}
