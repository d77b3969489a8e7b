/** What the server list says about one running server. */
export interface ServerInfo {
  token: string;
  baseUrl: string;
  socket: string | undefined;
  port: number | undefined;
  pid: number | undefined;
}

export type ServerMatch = { socket: string } | { port: number };

/**
 * Finds our server in `jupyter ... list --json` output (one JSON object per line; other
 * lines ignored). Pure; the output holds tokens, so callers never log it.
 */
export function findServer(listOutput: string, match: ServerMatch): ServerInfo | undefined {
  for (const line of listOutput.split('\n')) {
    const info = parseLine(line.trim());
    if (info === undefined) continue;
    if ('socket' in match ? info.socket === match.socket : info.port === match.port) return info;
  }
  return undefined;
}

function parseLine(line: string): ServerInfo | undefined {
  if (!line.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const baseUrl = typeof record.base_url === 'string' && record.base_url.startsWith('/') ? record.base_url : '/';
  return {
    token: typeof record.token === 'string' ? record.token : '',
    baseUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
    socket: typeof record.sock === 'string' && record.sock !== '' ? record.sock : undefined,
    port: typeof record.port === 'number' && record.port > 0 ? record.port : undefined,
    pid: typeof record.pid === 'number' ? record.pid : undefined,
  };
}

/** Hides tokens before text reaches an error message or a log (servers print them in URLs). */
export function redactSecrets(text: string): string {
  return text
    .replace(/([?&]token=)[^&\s"'<>]+/gi, '$1<redacted>')
    .replace(/("token"\s*:\s*")[^"]*"/gi, '$1<redacted>"')
    .replace(/(Authorization:\s*token\s+)\S+/gi, '$1<redacted>');
}

/** Parses the launch script's `tunnel-launched pid=N port=P` line. */
export function parseLaunched(stdout: string): { pid: number; port: number | undefined } | undefined {
  const match = /^tunnel-launched pid=(\d+) port=(\d*)$/m.exec(stdout);
  if (match === null) return undefined;
  return { pid: Number(match[1]), port: match[2] === '' ? undefined : Number(match[2]) };
}
