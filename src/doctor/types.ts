export type Status = 'ok' | 'warn' | 'fail' | 'unknown';

/** One thing doctor checked: what it found and, unless ok, what to do about it. */
export interface Finding {
  /** Stable id, e.g. 'ssh-version', 'gateway-ports'. */
  check: string;
  status: Status;
  /** What was found, one line. */
  detail: string;
  /** What to do, one line ('' when nothing is needed). */
  fix: string;
  /** The setting as observed, when there is one (e.g. GatewayPorts 'no'). */
  value?: string;
}

export const finding = (check: string, status: Status, detail: string, fix = '', value?: string): Finding =>
  value === undefined ? { check, status, detail, fix } : { check, status, detail, fix, value };

/**
 * Doctor's exit codes, the one place they are defined (also in `tunnel doctor --help`):
 * 0 every check ok; 1 a warning, or a check that could not be decided (unknown);
 * 2 at least one check failed. (2 is also what any command exits with on bad usage.)
 */
export const DOCTOR_EXIT = { ok: 0, warn: 1, fail: 2 } as const;

export function doctorExitCode(findings: readonly Finding[]): number {
  if (findings.some((f) => f.status === 'fail')) return DOCTOR_EXIT.fail;
  if (findings.some((f) => f.status === 'warn' || f.status === 'unknown')) return DOCTOR_EXIT.warn;
  return DOCTOR_EXIT.ok;
}

/** What one probe process did: its lines, how it ended, how long it took. */
export interface ProbeRun {
  exitCode: number | null;
  signal: string | null;
  stdout: string[];
  stderr: string[];
  /** Stopped by us after the time limit. */
  timedOut: boolean;
  ms: number;
}
