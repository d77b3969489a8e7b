import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findPreset, inlineIncludes, loadPresets, readTemplate } from '../../../src/presets/load.js';

const REVERSE = {
  name: 'rv',
  description: 'reverse',
  kind: 'reverse',
  reverse: { label: 'svc', port: 1, remotePort: 0 },
};
let dirs: string[] = [];

async function templates(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(os.tmpdir(), 'tnl-presets-'));
  dirs.push(root);
  await mkdir(join(root, 'presets'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(root, name), text);
  return root;
}

afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

describe('loadPresets', () => {
  it.each([
    ['invalid JSON', { 'presets/rv.json': '{ "name": ' }, /^templates\/presets\/rv\.json: not valid JSON/],
    [
      'name differs from the file',
      { 'presets/other.json': JSON.stringify(REVERSE) },
      /^templates\/presets\/other\.json: field 'name': 'rv' must match the file name 'other'/,
    ],
    [
      'missing worker template',
      {
        'presets/rv.json': JSON.stringify({
          ...REVERSE,
          reverse: { ...REVERSE.reverse, worker: { template: 'nope.sh', command: ['w'] } },
        }),
      },
      /^templates\/presets\/rv\.json: field 'reverse.worker.template': templates\/nope\.sh does not exist/,
    ],
  ])('fails on %s, naming the file and field', async (_, files, message) => {
    const root = await templates(files);
    await expect(loadPresets({ templatesDir: root })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(message),
    });
  });

  it('ignores non-JSON files and finds presets by name', async () => {
    const root = await templates({ 'presets/rv.json': JSON.stringify(REVERSE), 'presets/README.md': '# notes' });
    expect((await findPreset('rv', { templatesDir: root })).kind).toBe('reverse');
    await expect(findPreset('nope', { templatesDir: root })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: "no preset 'nope'; available: rv (see 'tunnel apps')",
    });
  });
});

describe('templates shared by scripts that must stand alone on the cluster', () => {
  it('inlines `# @include FILE` lines, one level deep, and leaves other lines alone', () => {
    const files = new Map([['forward.sh', 'pick_port() { :; }']]);
    expect(inlineIncludes('#!/bin/bash\n# @include forward.sh\n# @include is mentioned here\npick_port\n', files)).toBe(
      '#!/bin/bash\npick_port() { :; }\n# @include is mentioned here\npick_port\n',
    );
  });

  it.each(['workqueue-worker.sh', 'workqueue-factory-wrapper.sh'])(
    '%s gets the shared forward helpers, once, and no include line is left',
    async (name) => {
      const text = await readTemplate(name);
      expect(text).not.toMatch(/^# @include/m);
      expect(text.match(/^pick_port\(\) \{$/gm)).toHaveLength(1);
      expect(text.match(/^wait_forward\(\) \{$/gm)).toHaveLength(1);
    },
  );
});
