// `npm run build`: bundles the CLI and the library with esbuild into a few ESM files under dist/
// (node_modules included, so a start reads a handful of files instead of hundreds), and emits the
// library's .d.ts with tsc, which also type-checks. Both run at once; either failing fails the build.
import { spawn } from 'node:child_process';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');

/**
 * Entry points: the CLI, the library (dist/index.js re-exports dist/lib/index.js, see below), the
 * man-page generator (`npm run man`, not packed) and every folder barrel src/X/index.ts (the e2e
 * drivers import dist/presets/index.js). Everything else is reached through imports; commands
 * that import() their actions become lazy chunks.
 */
async function entryPoints() {
  const entries = [
    { in: 'src/cli/main.ts', out: 'cli/main' },
    { in: 'src/cli/gen-man.ts', out: 'cli/gen-man' },
    { in: 'src/index.ts', out: 'lib/index' },
  ];
  for (const dir of await readdir(SRC, { withFileTypes: true })) {
    const barrel = join(SRC, dir.name, 'index.ts');
    if (dir.isDirectory() && (await exists(barrel))) entries.push({ in: relative(ROOT, barrel), out: `${dir.name}/index` });
  }
  return entries;
}

/**
 * Sources find their neighbours (templates/, package.json, dist/cli/main.js for the detached
 * supervisor) with `new URL('../..', import.meta.url)`, written for dist/ mirroring src/. In a
 * bundle the code runs from another file, so each module's import.meta.url becomes the URL it
 * would have had unbundled. Every output file sits one folder below dist/ (checked after the
 * build), so that URL is '../<path under src>.js' from whichever file the code lands in.
 */
const moduleUrlPlugin = {
  name: 'module-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(SRC + sep)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
      const asIfUnbundled = `../${relative(SRC, args.path).split(sep).join('/').replace(/\.ts$/, '.js')}`;
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(asIfUnbundled)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

/**
 * ssh2 tries an optional native crypto binding and cpu-features inside try/catch and falls back to
 * Node's crypto without them; they stay unresolved, so the bundle never needs a compiler or an
 * install script.
 */
const optionalNativePlugin = {
  name: 'optional-native',
  setup(build) {
    build.onResolve({ filter: /(\.node$|^cpu-features$)/ }, (args) => ({ path: args.path, external: true }));
  },
};

async function bundle() {
  const result = await esbuild.build({
    entryPoints: await entryPoints(),
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.17',
    chunkNames: 'chunks/[name]-[hash]',
    // Bundled CommonJS packages call require() for Node built-ins and read __dirname (ssh2's
    // emscripten poly1305); ESM has neither, so each file gets its own.
    banner: {
      js: [
        "import { createRequire as __tunnelCreateRequire } from 'node:module';",
        "import { dirname as __tunnelDirnameOf } from 'node:path';",
        "import { fileURLToPath as __tunnelFileUrlToPath } from 'node:url';",
        'const require = __tunnelCreateRequire(import.meta.url);',
        'const __tunnelFilename = __tunnelFileUrlToPath(import.meta.url);',
        'const __tunnelDirname = __tunnelDirnameOf(__tunnelFilename);',
      ].join(' '),
    },
    define: { __dirname: '__tunnelDirname', __filename: '__tunnelFilename' },
    // Maps locate --debug stack frames in src/ (and in node_modules/ by package and line); without
    // sourcesContent they stay small: the sources are in the repository at the released version.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
    plugins: [moduleUrlPlugin, optionalNativePlugin],
  });
  await writeFile(join(DIST, 'index.js'), "export * from './lib/index.js';\n");
  await chmod(join(DIST, 'cli/main.js'), 0o755);
  for (const file of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'))) {
    const depth = relative(DIST, join(ROOT, file)).split(sep).length;
    if (depth !== 2) throw new Error(`${file} is not one folder below dist/: import.meta.url rewriting assumes it is`);
  }
  await writeFile(join(DIST, 'meta.json'), JSON.stringify(result.metafile));
  await writeFile(join(DIST, 'THIRD-PARTY-LICENSES.txt'), await thirdPartyLicenses(Object.keys(result.metafile.inputs)));
}

/** The bundles carry other packages' code, so the package carries their licences (name, version, text). */
async function thirdPartyLicenses(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) dirs.add(match[1]);
  }
  const sections = [];
  for (const dir of [...dirs].sort()) {
    const pkg = JSON.parse(await readFile(join(ROOT, dir, 'package.json'), 'utf8'));
    const files = (await readdir(join(ROOT, dir))).filter((f) => /^(licen[cs]e|copying|notice)/i.test(f)).sort();
    const texts = await Promise.all(files.map((f) => readFile(join(ROOT, dir, f), 'utf8')));
    sections.push(`${pkg.name}@${pkg.version} (${pkg.license ?? 'see text'})\n\n${texts.join('\n').trim() || `no licence file shipped; package.json says: ${pkg.license}`}\n`);
  }
  return `Packages bundled into dist/ by esbuild, and their licences.\n\n${sections.join(`\n${'-'.repeat(72)}\n\n`)}`;
}

/** tsc checks every type and writes .d.ts files; only dist/index.d.ts and what it references are kept. */
async function declarations() {
  await new Promise((resolve, reject) => {
    const tsc = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json'), '--emitDeclarationOnly'], { stdio: 'inherit' });
    tsc.on('error', reject);
    tsc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc exited ${code}`))));
  });
  const keep = await referencedDeclarations(join(DIST, 'index.d.ts'));
  for (const file of await readdir(DIST, { recursive: true })) {
    const path = join(DIST, file);
    if ((path.endsWith('.d.ts') || path.endsWith('.d.ts.map')) && !keep.has(path.replace(/\.map$/, ''))) await rm(path);
  }
}

async function referencedDeclarations(root) {
  const seen = new Set();
  const queue = [root];
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:from\s+|import\()\s*['"](\.[^'"]+)['"]/g)) queue.push(join(dirname(file), spec.replace(/\.js$/, '.d.ts')));
  }
  return seen;
}

async function exists(path) {
  return readFile(path).then(() => true, () => false);
}

await rm(DIST, { recursive: true, force: true });
const outcomes = await Promise.allSettled([bundle(), process.env.BUILD_SKIP_TYPES === '1' ? undefined : declarations()]);
const failed = outcomes.filter((o) => o.status === 'rejected');
for (const f of failed) process.stderr.write(`build: ${f.reason instanceof Error ? f.reason.message : String(f.reason)}\n`);
process.exitCode = failed.length === 0 ? 0 : 1;
