import type { ProbeRun } from '../../../src/doctor/types.js';

/** A finished probe, as runProbe returns it. */
export const probeRun = (over: Partial<ProbeRun> = {}): ProbeRun => ({
  exitCode: 0,
  signal: null,
  stdout: [],
  stderr: [],
  timedOut: false,
  ms: 300,
  ...over,
});
