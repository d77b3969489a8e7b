import type { DemoOptions, DemoSummary } from '../demo/run.js';

export type { DemoOptions, DemoSummary, DemoReporter, DemoEvent, DemoStep } from '../demo/run.js';

/** `tunnel demo`: the embedded sandbox cluster and a real tunnel through it, step by step (ssh2 loaded only here). */
export async function demo(options: DemoOptions): Promise<DemoSummary> {
  const { runDemo } = await import('../demo/run.js');
  return runDemo(options);
}
