import type { ChalkInstance } from 'chalk';
import type { Finding, Status } from './types.js';

const LABEL: Record<Status, string> = { ok: 'ok', warn: 'warn', fail: 'FAIL', unknown: '?' };

/** One line per finding: status, check, what was found, and the fix when there is one. */
export function renderFindings(findings: readonly Finding[], style: ChalkInstance): string {
  const width = Math.max(...findings.map((f) => f.check.length));
  const paint: Record<Status, (text: string) => string> = {
    ok: style.green,
    warn: style.yellow,
    fail: style.red,
    unknown: style.dim,
  };
  return findings
    .map((f) => {
      const fix = f.fix === '' ? '' : ` ${style.bold('→')} ${f.fix}`;
      return `${paint[f.status](LABEL[f.status].padEnd(4))} ${f.check.padEnd(width)}  ${f.detail}${fix}`;
    })
    .join('\n');
}
