import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseName } from '../model/name.js';

/** Where running tunnels keep their state: $TUNNEL_HOME, else the XDG state dir. */
export function stateHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TUNNEL_HOME) return env.TUNNEL_HOME;
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'tunnel');
}

export function tunnelsDir(home = stateHome()): string {
  return join(home, 'tunnels');
}

/** A tunnel's own directory; the name is validated so it can never escape the state dir. */
export function tunnelDir(name: string, home = stateHome()): string {
  return join(tunnelsDir(home), parseName(name));
}
