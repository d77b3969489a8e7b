import { readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TunnelError } from '../errors.js';
import { getTunnel } from '../saved/index.js';
import { writeFileAtomic } from '../os/atomic.js';
import { stateHome } from '../os/state-paths.js';
import { ensurePrivateDir } from '../os/private-dir.js';
import { renderUnit, unitName } from './render.js';

const TEMPLATE = fileURLToPath(new URL('../../templates/systemd/tunnel.service', import.meta.url));
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** ~/.config/systemd/user (or $XDG_CONFIG_HOME/systemd/user). */
export function unitDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'systemd', 'user');
}

/** The unit text for a saved tunnel; the tunnel must exist (a unit for nothing would fail forever). */
export async function planUnit(name: string): Promise<{ path: string; text: string }> {
  getTunnel(name);
  const environment: Record<string, string> = { TUNNEL_HOME: stateHome() };
  if (process.env.TUNNEL_CONFIG_DIR) environment.TUNNEL_CONFIG_DIR = process.env.TUNNEL_CONFIG_DIR;
  const text = renderUnit(await readFile(TEMPLATE, 'utf8'), { name, node: process.execPath, cli: CLI, environment });
  return { path: join(unitDir(), unitName(name)), text };
}

export async function installUnit(name: string): Promise<{ path: string; text: string }> {
  const unit = await planUnit(name);
  // systemd itself creates this directory 0755: readable is fine, writable by others is not.
  await ensurePrivateDir(unitDir(), { othersMayRead: true });
  await writeFileAtomic(unit.path, unit.text, 0o600);
  return unit;
}

export async function removeUnit(name: string): Promise<string> {
  const path = join(unitDir(), unitName(name));
  const existed = await readFile(path).then(
    () => true,
    () => false,
  );
  if (!existed) throw new TunnelError('NOT_FOUND', `no unit ${path}; see 'tunnel service install ${name}'`);
  await rm(path);
  return path;
}
