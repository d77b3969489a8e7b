import { TunnelError } from '../errors.js';
import type { Tunnel } from '../supervise/tunnel.js';

/** Settles with `promise`, or rejects once `ms` pass or `signal` aborts, whichever comes first. */
export function bounded<T>(promise: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => finish(() => reject(new TunnelError('ABORTED', `cancelled while ${what}`)));
    const timer = setTimeout(
      () => finish(() => reject(new TunnelError('READY_TIMEOUT', `gave up after ${Math.round(ms / 1000)} s ${what}`))),
      ms,
    );
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => finish(() => resolve(value)),
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes the wrapped promise's own rejection on unchanged
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/** Resolves once the supervisor has brought the tunnel back up after `restartsBefore`; rejects if it gives up. */
export function nextRestart(tunnel: Tunnel, restartsBefore: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onState = (state: string, error?: TunnelError) => {
      if (state === 'up' && tunnel.restarts > restartsBefore) {
        tunnel.off('state', onState);
        resolve();
      } else if (state === 'failed' || state === 'needs-auth' || state === 'down') {
        tunnel.off('state', onState);
        reject(error ?? new TunnelError('SSH_EXITED', `the tunnel went ${state} instead of reconnecting`));
      }
    };
    tunnel.on('state', onState);
  });
}
