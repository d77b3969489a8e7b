/** One fenced code block of a Markdown file. */
export interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** Why it is not run, from `<!-- readme-test: skip (REASON) -->` on the line before the fence. */
  skip: string | undefined;
}

const FENCE = /^```(\S*)\s*$/;
const DIRECTIVE = /^<!--\s*readme-test:\s*(.*?)\s*-->$/;

/** Every fenced block, with its skip marker; an unknown or reasonless directive is an error. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let previous = '';
  for (let i = 0; i < lines.length; i += 1) {
    const open = FENCE.exec(lines[i]!);
    if (open === null) {
      if (lines[i]!.trim() !== '') previous = lines[i]!.trim();
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== '```'; i += 1) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`README line ${start + 1}: unclosed code fence`);
    blocks.push({
      line: start + 1,
      lang: open[1] ?? '',
      code: `${body.join('\n')}\n`,
      skip: skipReason(previous, start + 1),
    });
    previous = '';
  }
  return blocks;
}

function skipReason(previous: string, line: number): string | undefined {
  const directive = DIRECTIVE.exec(previous)?.[1];
  if (directive === undefined) return undefined;
  const reason = /^skip \((.+)\)$/.exec(directive)?.[1];
  if (reason === undefined)
    throw new Error(`README line ${line}: expected <!-- readme-test: skip (REASON) -->, got: ${previous}`);
  return reason;
}

/** A ```console block: each `$ command` with the output shown under it. */
export function consoleSteps(code: string): Array<{ command: string; output: string[] }> {
  const steps: Array<{ command: string; output: string[] }> = [];
  for (const line of code.trimEnd().split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: [] });
    else if (steps.length === 0) throw new Error(`console block output before any '$ ' command: ${line}`);
    else steps[steps.length - 1]!.output.push(line);
  }
  return steps;
}

/** The commands of a ```sh block: one per line; comments and blank lines are not commands. */
export function shellCommands(code: string): string[] {
  return code.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

/** `tunnel up` that stays in the foreground until Ctrl-C (not -d, not --dry-run). */
export function isForeground(command: string): boolean {
  const words = command
    .replace(/\s#.*$/, '')
    .trim()
    .split(/\s+/);
  return (
    words[0] === 'tunnel' &&
    words[1] === 'up' &&
    !words.some((w) => ['-d', '--detach', '--dry-run', '--help'].includes(w))
  );
}

/**
 * Rewrites README values the test cannot use as written (fixed ports that may be taken, paths
 * like /home/me) into the test's own, longest first; a bare number only where it stands alone.
 */
export function applyMapping(text: string, mapping: ReadonlyArray<readonly [string, string]>): string {
  let out = text;
  for (const [from, to] of [...mapping].sort((a, b) => b[0].length - a[0].length)) {
    const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(/^\d+$/.test(from) ? `(?<![\\d.])${escaped}(?!\\d)` : escaped, 'g'), () => to);
  }
  return out;
}

/** Output that differs on every run (ports, pids, random ids, tokens) made comparable. */
export function normaliseOutput(text: string): string {
  return text
    .replace(/token=[^\s&]+/g, 'token=…')
    .replace(/\b[0-9a-f]{12}\b/g, 'ID')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME')
    .replace(/\d+/g, 'N');
}
