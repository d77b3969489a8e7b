import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TunnelError } from '../errors.js';
import type { Preset } from './types.js';
import { validatePreset } from './validate.js';

/** templates/ ships with the package next to dist/ (and next to src/ when run from source). */
export function templatesDir(): string {
  return fileURLToPath(new URL('../../templates', import.meta.url));
}

export interface LoadOptions {
  /** Directory holding templates/ content (presets/ and the script templates); default: the package's. */
  templatesDir?: string;
}

/** Every preset in templates/presets/, validated, sorted by name. A broken file fails the load, naming it. */
export async function loadPresets(options: LoadOptions = {}): Promise<Preset[]> {
  const root = options.templatesDir ?? templatesDir();
  const dir = join(root, 'presets');
  const files = (
    await readdir(dir).catch((error: unknown) => {
      throw new TunnelError('CONFIG_INVALID', `cannot read the presets directory ${dir}: ${(error as Error).message}`, {
        cause: error,
      });
    })
  )
    .filter((file) => file.endsWith('.json'))
    .sort();
  const presets: Preset[] = [];
  for (const file of files) presets.push(await loadPresetFile(join(dir, file), root));
  return presets;
}

/** One preset by name; NOT_FOUND lists the names that exist. */
export async function findPreset(name: string, options: LoadOptions = {}): Promise<Preset> {
  const presets = await loadPresets(options);
  const preset = presets.find((p) => p.name === name);
  if (preset === undefined) {
    throw new TunnelError(
      'NOT_FOUND',
      `no preset '${name}'; available: ${presets.map((p) => p.name).join(', ')} (see 'tunnel apps')`,
    );
  }
  return preset;
}

async function loadPresetFile(path: string, root: string): Promise<Preset> {
  const shown = `templates/presets/${basename(path)}`;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new TunnelError('CONFIG_INVALID', `${shown}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const preset = validatePreset(raw, shown, basename(path, '.json'));
  for (const [field, template] of referencedTemplates(preset)) {
    await readFile(join(root, template)).catch(() => {
      throw new TunnelError('CONFIG_INVALID', `${shown}: field '${field}': templates/${template} does not exist`, {
        field,
      });
    });
  }
  return preset;
}

function referencedTemplates(preset: Preset): Array<[string, string]> {
  if (preset.kind !== 'reverse') return [];
  const refs: Array<[string, string]> = [];
  if (preset.reverse.worker) refs.push(['reverse.worker.template', preset.reverse.worker.template]);
  if (preset.reverse.configTemplate) refs.push(['reverse.configTemplate', preset.reverse.configTemplate]);
  return refs;
}

/** The text of a template file under templates/. */
export async function readTemplate(name: string, options: LoadOptions = {}): Promise<string> {
  const dir = options.templatesDir ?? templatesDir();
  const text = await readFile(join(dir, name), 'utf8');
  return inlineIncludes(text, await readIncludes(text, dir));
}

/** `# @include FILE` on a line of its own: a template shared by scripts that must each stand alone on the cluster. */
const INCLUDE = /^# @include ([a-z0-9-]+\.sh)$/gm;

async function readIncludes(text: string, dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const [, file] of text.matchAll(INCLUDE)) files.set(file!, (await readFile(join(dir, file!), 'utf8')).trimEnd());
  return files;
}

/** One level deep, so an include can never loop. Pure. */
export function inlineIncludes(text: string, files: ReadonlyMap<string, string>): string {
  return text.replace(INCLUDE, (_, file: string) => files.get(file) ?? '');
}
