/** A saved tunnel as stored on disk: the user's own options, unset fields left unset so defaults can change later. */
export interface SavedTunnel {
  via?: string[];
  to?: string;
  local?: string[];
  remote?: string[];
  strategy?: 'jump' | 'relay' | 'auto';
  keepalive?: number;
  keepaliveCount?: number;
  connectTimeout?: number;
  /** Absolute path: a saved tunnel must not depend on the directory it is started from. */
  sshConfig?: string;
  batchMode?: boolean;
  multiplex?: boolean;
  /** A preset (jupyter, paraview, ...) that supplies forwards at launch. */
  preset?: string;
  presetOptions?: Record<string, string | number | boolean>;
}

/** Defaults as stored: every field optional. */
export interface StoredDefaults {
  keepalive?: number;
  keepaliveCount?: number;
  connectTimeout?: number;
  /** Bind address for -L listeners that name none (the built-in default is 127.0.0.1). */
  localBind?: string;
  /** Hops for tunnels that name --to but no --via. */
  via?: string[];
}

/** Defaults with the built-in values filled in. */
export interface Defaults {
  keepalive: number;
  keepaliveCount: number;
  connectTimeout: number;
  localBind?: string;
  via?: string[];
}

/** The whole file. */
export interface StoreData {
  defaults?: StoredDefaults;
  tunnels?: Record<string, SavedTunnel>;
}

export interface StoreOptions {
  /** Directory holding config.json; default $TUNNEL_CONFIG_DIR, else the per-user config dir for 'tunnel'. */
  dir?: string;
  /** How long a save waits for another save to finish (default 5 s). */
  lockTimeoutMs?: number;
}
