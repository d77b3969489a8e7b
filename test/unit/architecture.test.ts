import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/* The shape ARCHITECTURE.md describes, held to the tree: no import cycles, a layout table that names
 * every folder of src/ (and nothing else), and test/unit mirroring src/. */
const ROOT = join(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Static imports and re-exports between our own modules (type-only ones too): what a reader follows. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pattern = /^(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/gm;
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(pattern)].map((m) => normalize(join(dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
    graph.set(file, targets);
  }
  return graph;
}

/** Every cycle's members (Tarjan's strongly connected components of size > 1). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      component.push(relative(SRC, member));
      if (member === node) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const folders = (dir: string) => readdirSync(dir).filter((entry) => statSync(join(dir, entry)).isDirectory()).sort();

describe('the architecture holds', () => {
  it('no module of src/ imports itself in a circle', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(100);
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the check checks)', () => {
    expect(cycles(new Map([['/a', ['/b']], ['/b', ['/a']], ['/c', ['/a']]]))).toEqual([[relative(SRC, '/a'), relative(SRC, '/b')]]);
  });

  it("README's layout table names every folder of src/, and only those", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
    const named = [...layout.matchAll(/`src\/([a-z-]+)`/g)].map((m) => m[1]!);
    expect([...new Set(named)].sort()).toEqual(folders(SRC));
  });

  it('test/unit mirrors src/ (cross-cutting hardening tests aside)', () => {
    const mirrored = folders(join(ROOT, 'test/unit')).filter((name) => name !== 'hardening');
    expect(mirrored.filter((name) => !folders(SRC).includes(name))).toEqual([]);
  });
});
