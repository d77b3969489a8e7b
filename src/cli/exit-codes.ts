import type { ErrorCode } from '../errors.js';

/** Documented exit codes (also in man/tunnel.1). 128+N is reserved for "stopped by signal N". */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  auth: 3,
  forward: 4,
  connect: 5,
  notFound: 6,
  state: 7,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'BAD_SPEC':
    case 'BAD_OPTION':
    case 'SOCKET_PATH_TOO_LONG':
    case 'CONFIG_INVALID':
    case 'JOB_REFUSED':
      return EXIT.usage;
    case 'AUTH_FAILED':
    case 'HOST_KEY_MISMATCH':
    case 'HOST_KEY_UNKNOWN':
    case 'NEEDS_AUTH':
      return EXIT.auth;
    case 'FORWARD_REFUSED':
    case 'PORT_IN_USE':
    case 'SOCKET_IN_USE':
    case 'UNSAFE_PATH':
      return EXIT.forward;
    case 'CONNECT_FAILED':
    case 'READY_TIMEOUT':
      return EXIT.connect;
    case 'NOT_FOUND':
      return EXIT.notFound;
    case 'STATE_UNSAFE':
      return EXIT.state;
    default:
      return EXIT.failure;
  }
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** The conventional exit code for a process stopped by `signal`. */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + (SIGNAL_NUMBERS[signal] ?? 0);
}
