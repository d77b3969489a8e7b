/** Linear-interpolated quantile of a sample (q in [0, 1]). */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export const median = (values) => quantile(values, 0.5);

/** Median and range of repeated runs: what every table reports. */
export function summarize(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    median: median(finite),
    min: finite.length ? Math.min(...finite) : Number.NaN,
    max: finite.length ? Math.max(...finite) : Number.NaN,
    n: finite.length,
    failed: values.length - finite.length,
  };
}

/** ours ÷ baseline, both medians from the same run. */
export const ratio = (ours, baseline) =>
  Number.isFinite(ours) && Number.isFinite(baseline) && baseline !== 0 ? ours / baseline : Number.NaN;

export function fmt(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toFixed(digits);
}

/** "412.0 (398.1–430.2)": median (min–max). */
export function fmtSummary(s, digits = 1) {
  if (!s || s.n === 0) return 'n/a';
  const failed = s.failed ? `, ${s.failed} failed` : '';
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)}${failed})`;
}
