/** Stable error codes. Callers switch on `code`; the message tells a person what to do. */
export const ERROR_CODES = {
  BAD_SPEC: 'BAD_SPEC',
  BAD_OPTION: 'BAD_OPTION',
  SOCKET_PATH_TOO_LONG: 'SOCKET_PATH_TOO_LONG',
  SOCKET_IN_USE: 'SOCKET_IN_USE',
  PORT_IN_USE: 'PORT_IN_USE',
  SSH_NOT_FOUND: 'SSH_NOT_FOUND',
  SSH_EXITED: 'SSH_EXITED',
  FORWARD_REFUSED: 'FORWARD_REFUSED',
  AUTH_FAILED: 'AUTH_FAILED',
  HOST_KEY_MISMATCH: 'HOST_KEY_MISMATCH',
  HOST_KEY_UNKNOWN: 'HOST_KEY_UNKNOWN',
  CONNECT_FAILED: 'CONNECT_FAILED',
  NEEDS_AUTH: 'NEEDS_AUTH',
  READY_TIMEOUT: 'READY_TIMEOUT',
  ABORTED: 'ABORTED',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_RUNNING: 'ALREADY_RUNNING',
  STATE_CORRUPT: 'STATE_CORRUPT',
  UNSAFE_PATH: 'UNSAFE_PATH',
  /** The state or config directory is not private to you (another owner, open mode, not a directory). */
  STATE_UNSAFE: 'STATE_UNSAFE',
  LOCKED: 'LOCKED',
  CONFIG_INVALID: 'CONFIG_INVALID',
  APP_FAILED: 'APP_FAILED',
  /** A forward's far end refuses, or no round trip through the tunnel is confirmed (state degraded). */
  TARGET_UNREACHABLE: 'TARGET_UNREACHABLE',
  /** The scheduler refused a job or a command on it (sbatch's own message). */
  JOB_REFUSED: 'JOB_REFUSED',
  /** The job the tunnel reaches ended (walltime, scancel, node failure). */
  JOB_ENDED: 'JOB_ENDED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export interface TunnelErrorFacts {
  /** The hop (host alias) the failure belongs to, when known. */
  hop?: string;
  /** The ssh argv involved, when a process was started. */
  argv?: readonly string[];
  /** OpenSSH's own words, verbatim. */
  sshMessage?: string;
  exitCode?: number | null;
  signal?: string | null;
  /** Which input field was wrong (for BAD_SPEC / BAD_OPTION). */
  field?: string;
  /** How many hops had authenticated us when it failed (tells a hop failure from a target failure). */
  authenticatedHops?: number;
  cause?: unknown;
}

/** The one error type the library throws. */
export class TunnelError extends Error {
  readonly code: ErrorCode;
  readonly hop: string | undefined;
  readonly argv: readonly string[] | undefined;
  readonly sshMessage: string | undefined;
  readonly exitCode: number | null | undefined;
  readonly signal: string | null | undefined;
  readonly field: string | undefined;
  readonly authenticatedHops: number | undefined;

  constructor(code: ErrorCode, message: string, facts: TunnelErrorFacts = {}) {
    super(message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.name = 'TunnelError';
    this.code = code;
    this.hop = facts.hop;
    this.argv = facts.argv;
    this.sshMessage = facts.sshMessage;
    this.exitCode = facts.exitCode;
    this.signal = facts.signal;
    this.field = facts.field;
    this.authenticatedHops = facts.authenticatedHops;
  }
}

/** Errors that a retry cannot fix: the supervisor stops instead of looping. */
export function isPermanent(error: TunnelError): boolean {
  const permanent: ErrorCode[] = [
    'BAD_SPEC',
    'BAD_OPTION',
    'AUTH_FAILED',
    'HOST_KEY_MISMATCH',
    'HOST_KEY_UNKNOWN',
    'FORWARD_REFUSED',
    'NEEDS_AUTH',
    'SOCKET_PATH_TOO_LONG',
    'SOCKET_IN_USE',
    'PORT_IN_USE',
    'SSH_NOT_FOUND',
    'UNSAFE_PATH',
    'STATE_UNSAFE',
  ];
  return permanent.includes(error.code);
}

/** Shorthand for input validation failures. */
export function badSpec(field: string, message: string): TunnelError {
  return new TunnelError('BAD_SPEC', message, { field });
}
