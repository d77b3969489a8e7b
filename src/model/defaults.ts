/** Every default in one place. 10 s x 3 keepalives = a dead link noticed within 30 s. */
export const DEFAULTS = {
  keepaliveInterval: 10,
  keepaliveCount: 3,
  connectTimeout: 10,
  strategy: 'auto',
  localBind: '127.0.0.1',
  readyTimeoutMs: 30_000,
  healthIntervalMs: 15_000,
} as const;
