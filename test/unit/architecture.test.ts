import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { climbing, cycles, graphOf, importEdges, partOf, rankingIn } from '../support/import-graph.js';

/*
 * The shape ARCHITECTURE.md describes, held to the tree: one ranked list of the parts of src/
 * where every import points down, no module circles, a CLI that reaches only the API, a layout
 * table that names every folder, and test/unit mirroring src/.
 */
const ROOT = join(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
const folders = (dir: string) =>
  readdirSync(dir)
    .filter((entry) => statSync(join(dir, entry)).isDirectory())
    .sort();
const parts = () => [...folders(SRC), ...readdirSync(SRC).filter((entry) => entry.endsWith('.ts'))].sort();
const ranking = rankingIn(readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8'));
const edges = importEdges(SRC);
const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((entry) =>
    statSync(join(dir, entry)).isDirectory()
      ? sourceFiles(join(dir, entry))
      : entry.endsWith('.ts')
        ? [join(dir, entry)]
        : [],
  );

describe('the architecture holds', () => {
  it('ARCHITECTURE.md ranks every part of src/ once', () => {
    expect([...ranking].sort()).toEqual(parts());
    expect(new Set(ranking).size).toBe(ranking.length);
  });

  it('every import points down the ranking (type imports and import() included)', () => {
    expect(edges.length).toBeGreaterThan(500);
    expect(climbing(edges, ranking)).toEqual([]);
  });

  it('the ranking check catches an import that climbs (the check checks)', () => {
    const fake = [
      { from: 'plan/a.ts', to: 'api/b.ts' },
      { from: 'api/b.ts', to: 'plan/c.ts' },
    ];
    expect(climbing(fake, ['api', 'plan'])).toEqual(['plan/a.ts -> api/b.ts']);
  });

  it('no module and no folder imports itself in a circle', () => {
    expect(cycles(graphOf(edges))).toEqual([]);
    expect(cycles(graphOf(edges, partOf))).toEqual([]);
    expect(
      cycles(
        new Map([
          ['/a', ['/b']],
          ['/b', ['/a']],
          ['/c', ['/a']],
        ]),
      ),
    ).toEqual([['/a', '/b']]);
  });

  it('the CLI reaches only the API (and the error type it reports)', () => {
    const reach = [
      ...new Set(edges.filter((e) => partOf(e.from) === 'cli' && partOf(e.to) !== 'cli').map((e) => partOf(e.to))),
    ].sort();
    const folderCircles = cycles(graphOf(edges, partOf));
    console.log(
      `cli reaches: ${reach.join(', ')}; folder circles: ${folderCircles.length}; folders: ${folders(SRC).length}; imports: ${edges.length}`,
    );
    expect(reach).toEqual(['api', 'errors.ts']);
  });

  it("README's layout table names every folder of src/, and only those", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
    const named = [...layout.matchAll(/`src\/([a-z-]+)`/g)].map((m) => m[1]!);
    expect([...new Set(named)].sort()).toEqual(folders(SRC));
  });

  it('one place defaults to the system ssh: no module but ssh/runner.ts takes runSsh or spawnSsh itself', () => {
    const takers = sourceFiles(SRC).filter((file) =>
      /import\s*\{[^}]*(?<!type\s)\b(runSsh|spawnSsh)\b[^}]*\}/.test(readFileSync(file, 'utf8')),
    );
    expect(takers.map((file) => file.slice(SRC.length + 1))).toEqual(['ssh/runner.ts']);
  });

  it('test/unit mirrors src/ (cross-cutting hardening tests aside)', () => {
    const mirrored = folders(join(ROOT, 'test/unit')).filter((name) => name !== 'hardening');
    expect(mirrored.filter((name) => !folders(SRC).includes(name))).toEqual([]);
    for (const name of mirrored) {
      const sub = folders(join(ROOT, 'test/unit', name));
      expect(
        sub.filter((s) => !folders(join(SRC, name)).includes(s)),
        `test/unit/${name}`,
      ).toEqual([]);
    }
  });
});
