/** `tunnel service install|remove NAME`: a systemd user unit that keeps a saved tunnel up (the store loaded only here). */
export async function planUnit(name: string): Promise<{ path: string; text: string }> {
  return (await import('../service/install.js')).planUnit(name);
}

export async function installUnit(name: string): Promise<{ path: string; text: string }> {
  return (await import('../service/install.js')).installUnit(name);
}

/** Stops, disables and removes the unit; resolves with the path it removed. */
export async function removeUnit(name: string): Promise<string> {
  return (await import('../service/install.js')).removeUnit(name);
}
