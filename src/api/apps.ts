/** `tunnel apps`: the app presets and what each does; renderPresetConfig writes a preset's config file (paraview's .pvsc). */
export { loadPresets as apps, renderPresetConfig, type LoadOptions } from '../presets/index.js';
