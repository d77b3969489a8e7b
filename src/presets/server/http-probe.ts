import { setTimeout as sleep } from 'node:timers/promises';
import { TunnelError } from '../../errors.js';

export interface ProbeOptions {
  /** Sent as `Authorization: token ...` (never in the URL, so it cannot end up in access logs). */
  token: string;
  timeoutMs: number;
  label: string;
  signal?: AbortSignal | undefined;
}

/**
 * Polls `url` through the tunnel until it answers 200. 401/403 mean the token is wrong and
 * end the wait at once; anything else (connection reset while ssh opens the channel, 5xx) is retried.
 */
export async function probeHttp(url: string, options: ProbeOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (options.signal?.aborted) throw new TunnelError('ABORTED', `cancelled while waiting for ${options.label}`);
    const status = await fetchStatus(url, options.token, Math.min(3000, Math.max(100, deadline - Date.now())));
    if (status === 200) return;
    if (status === 401 || status === 403) {
      throw new TunnelError(
        'APP_FAILED',
        `${options.label} refused its own token (HTTP ${status}) at ${url}; is another server on that socket or port?`,
      );
    }
    last = typeof status === 'number' ? `HTTP ${status}` : status;
    await sleep(200);
  }
  throw new TunnelError(
    'READY_TIMEOUT',
    `${options.label} did not answer through the tunnel at ${url} within ${options.timeoutMs / 1000} s (last: ${last})`,
  );
}

async function fetchStatus(url: string, token: string, timeoutMs: number): Promise<number | string> {
  try {
    const headers: Record<string, string> = token === '' ? {} : { Authorization: `token ${token}` };
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    return response.status;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? (error as Error).name;
  }
}
