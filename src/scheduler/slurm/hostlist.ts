/**
 * The first host of a Slurm hostlist: `node[01-03,7]` -> node01, `gpu[1-2]-ib[3-4]` -> gpu1-ib3,
 * `n1,n2` -> n1. Undefined for an empty list ('' or '(null)', a PENDING job's).
 */
export function firstHost(list: string): string | undefined {
  const text = list.trim();
  if (text === '' || text === '(null)' || text === 'None' || text === 'None assigned') return undefined;
  let out = '';
  let depth = 0;
  let range = '';
  for (const ch of text) {
    if (depth === 0 && ch === ',') break;
    if (ch === '[') {
      depth += 1;
      range = '';
    } else if (ch === ']') {
      depth -= 1;
      out += firstOfRange(range);
    } else if (depth > 0) {
      range += ch;
    } else {
      out += ch;
    }
  }
  return depth === 0 && out !== '' ? out : undefined;
}

/** `01-03,7` -> `01` (zero padding is part of the name). */
function firstOfRange(range: string): string {
  const first = range.split(',')[0] ?? '';
  return first.split('-')[0] ?? '';
}
