export { up, plan, toSpec, type UpOptions } from './supervise/up.js';
export { parseTunnelSpec } from './model/tunnel.js';
export { parseForward, formatForwardArg } from './model/forward.js';
export { parseHop, parseHopList } from './model/hop.js';
export { TunnelError, ERROR_CODES, type ErrorCode } from './errors.js';
export { Tunnel } from './supervise/tunnel.js';
export { DEFAULT_BACKOFF, type BackoffPolicy } from './supervise/backoff.js';
export type { TunnelState, ForwardStatus } from './supervise/status.js';
export type { TunnelSpec, TunnelOptions, Forward, Hop, Endpoint, ListenEndpoint } from './model/types.js';
export type { Plan, SshCommand, PlannedForward } from './plan/types.js';
export type { SpawnSsh, SshProcess } from './ssh/process.js';
export {
  resolvePresetUp,
  startPreset,
  stopPresetApp,
  loadPresets,
  renderPresetConfig,
  type PresetInput,
  type PresetUp,
  type PresetSession,
  type PresetReport,
  type PresetState,
  type StartedPreset,
} from './presets/index.js';
export { start, type StartOptions, type StartedTunnel, type BackgroundTunnel } from './api/start.js';
export {
  list,
  status,
  stop,
  stopAll,
  logs,
  logFile,
  authenticate,
  type ListOptions,
  type StopResult,
  type SubmittedJob,
} from './api/records.js';
export {
  save,
  listSaved,
  getSaved,
  removeSaved,
  savedTunnelFlags,
  type SaveOptions,
  type SavedTunnelEntry,
  type SaveInput,
  type SaveResult,
} from './api/saved.js';
export {
  renderSshConfig,
  writeSshConfig,
  removeSshConfig,
  type SshConfigOptions,
  type SshConfigChange,
  type SshConfigFile,
} from './api/ssh-config.js';
export {
  prepareJob,
  waitForJob,
  upJob,
  startJob,
  type JobTunnelOptions,
  type PreparedJob,
  type JobUpOptions,
  type StartJobOptions,
} from './api/job.js';
export type { JobSession } from './scheduler/job-session.js';
export type { JobEvent, ResolvedJob } from './scheduler/resolve-job.js';
export {
  prepareUp,
  parseRunText,
  type UpRequest,
  type PreparedUp,
  type OpenUpOptions,
  type RunText,
  type Session,
  type SessionRequest,
} from './api/up.js';
export {
  workerScript,
  submitWorkers,
  startWorkerFactory,
  type WorkerOptions,
  type SubmitOptions,
} from './api/worker.js';
export { doctor, renderFindings, doctorExitCode, type DoctorOptions, type Finding } from './api/doctor.js';
export { init, type InitRun, type InitResult } from './api/init.js';
export { planUnit, installUnit, removeUnit } from './api/service.js';
export { demo, type DemoOptions, type DemoSummary } from './api/demo.js';
export { apps } from './api/apps.js';
export type { SshRunner } from './ssh/runner.js';
export type { RunOptions } from './supervise/defaults.js';
