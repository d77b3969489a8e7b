export {
  saveTunnel,
  getTunnel,
  listSaved,
  removeTunnel,
  removeTunnels,
  getDefaults,
  setDefaults,
  savedTunnelsFile,
} from './store.js';
export type { NamedTunnel, SaveResult } from './store.js';
export { applyDefaults, resolveDefaults } from './defaults.js';
export type { SaveInput, DefaultsInput } from './validate.js';
export type { SavedTunnel, Defaults, StoredDefaults, StoreOptions } from './types.js';
export { savedTunnelFlags } from './flags.js';
