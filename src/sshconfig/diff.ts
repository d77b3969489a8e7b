/**
 * A short diff of one change: common leading and trailing lines are trimmed and the rest is
 * shown as -/+ lines. Enough for tunnel's edits, which replace one contiguous region per file.
 */
export function renderLineDiff(before: string, after: string, path: string): string[] {
  if (before === after) return [];
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  return [
    `--- ${path}`,
    `+++ ${path}`,
    `@@ -${hunkRange(start, endA - start)} +${hunkRange(start, endB - start)} @@`,
    ...a.slice(start, endA).map((line) => `-${line}`),
    ...b.slice(start, endB).map((line) => `+${line}`),
  ];
}

/** Unified-diff convention: an empty range names the line before it. */
function hunkRange(start: number, count: number): string {
  return `${count === 0 ? start : start + 1},${count}`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
