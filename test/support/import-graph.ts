import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** One import between two modules of src/ (paths relative to src/, `.ts`). */
export interface ImportEdge {
  from: string;
  to: string;
}

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Static imports, re-exports and import() calls between our own modules, type-only ones too: what a reader follows. */
export function importEdges(src: string): ImportEdge[] {
  const pattern = /(?:^(?:import|export)\s[^;]*?\sfrom\s+|\bimport\(\s*)'(\.[^']+)'/gm;
  return sourceFiles(src).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(pattern)].map((m) => ({
      from: relative(src, file),
      to: relative(src, normalize(join(dirname(file), m[1]!)).replace(/\.js$/, '.ts')),
    })),
  );
}

/** The part of src/ a module belongs to: its top folder, or the file itself at the top (errors.ts, index.ts). */
export function partOf(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(0, slash);
}

/** Imports that climb: from a part to a part ranked above it (`ranking` lists parts top first). */
export function climbing(edges: readonly ImportEdge[], ranking: readonly string[]): string[] {
  const rank = (part: string) => ranking.indexOf(part);
  return edges
    .filter((e) => partOf(e.from) !== partOf(e.to) && rank(partOf(e.to)) <= rank(partOf(e.from)))
    .map((e) => `${e.from} -> ${e.to}`);
}

/** Every cycle's members (Tarjan's strongly connected components of size > 1). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
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
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** Edges grouped by their source: the graph cycles() walks. */
export function graphOf(edges: readonly ImportEdge[], key: (path: string) => string = (p) => p): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (key(from) === key(to)) continue;
    graph.set(key(from), [...(graph.get(key(from)) ?? []), key(to)]);
    if (!graph.has(key(to))) graph.set(key(to), []);
  }
  return graph;
}

/**
 * The ranked list of ARCHITECTURE.md: the fenced block after `## Layers`, one part per line (top
 * first), each line `name/  what it holds` or `file.ts  what it is`.
 */
export function rankingIn(markdown: string): string[] {
  const section = markdown.slice(markdown.indexOf('## Layers'));
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => /^([a-z-]+)(?:\/|\.ts)\s/.exec(line))
    .filter((m) => m !== null)
    .map((m) => (m[0].trimEnd().endsWith('.ts') ? `${m[1]}.ts` : m[1]!));
}
