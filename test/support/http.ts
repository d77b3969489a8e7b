import http from 'node:http';

/** GET over TCP or a Unix socket, bounded; resolves with status and body. */
export function httpGet(
  target: { port: number; host?: string } | { socketPath: string },
  path = '/',
  timeoutMs = 5000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ ...target, path, timeout: timeoutMs, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}
