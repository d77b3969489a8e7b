/*
 * Pure, light helpers the CLI (or a script) needs to present what the API returns: loaded at
 * start-up by every command, so nothing here may pull in the heavy parts.
 */
export { parseName } from '../model/name.js';
export { escapeControls } from '../model/tokens.js';
export { parseInteger } from '../model/tunnel.js';
export { DEFAULTS } from '../model/defaults.js';
export { shJoin } from '../plan/quote.js';
export { DOCTOR_EXIT } from '../doctor/types.js';
export { APPS } from '../init/answers.js';
export { enableHint } from '../service/render.js';
export { eventLines, introLines, outroLines, STEP_TITLES } from '../demo/describe.js';
export { createSpinner } from '../demo/spinner.js';
export { describeJobEvent, formatTimeLeft } from '../scheduler/describe.js';
export type { InitFlags } from '../init/from-flags.js';
export type { InitIO } from '../init/io.js';
export type { JobEvent } from '../scheduler/resolve-job.js';
export type { JobInfo } from '../scheduler/types.js';
export type { JobRecord } from '../session/types.js';
export type { Plan } from '../plan/types.js';
export type { ForwardStatus } from '../supervise/status.js';
export type { Tunnel } from '../supervise/tunnel.js';
