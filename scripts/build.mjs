// `npm run build`: bundles the CLI and the library with esbuild into a few ESM files under dist/
// (node_modules included, so a start reads a handful of files instead of hundreds), and emits the
// library's .d.ts with tsc, which also type-checks. Both run at once; either failing fails the build.
import { spawn } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');

/**
 * Separate bundles, so no one's entry points split another's code into more files. The CLI:
 * dist/cli/main.js, whose command tree (src/cli/dispatch.ts) it imports once start-up is set up, and
 * whose commands import() what they run (the library, a big command's helper) as lazy chunks. The library: dist/lib/index.js (re-exported
 * by dist/index.js, see below) and every folder barrel src/X/index.ts (the e2e drivers import
 * dist/presets/index.js). DEV_ENTRIES on their own. A src/ file may be in several bundles; they
 * never share a process's module instances.
 */
const CLI_TREE = join(SRC, 'cli/dispatch.ts');

/**
 * Not packed, each one self-contained file: the man-page generator (`npm run man`), and modules a
 * test runs by their dist/ path in a child process (hardening-crash: writeFileAtomic under SIGKILL;
 * os/lock: six processes racing for one lock).
 */
const DEV_ENTRIES = [
  { in: 'src/cli/gen-man.ts', out: 'cli/gen-man' },
  { in: 'src/os/atomic.ts', out: 'os/atomic' },
  { in: 'src/os/lock.ts', out: 'os/lock' },
];

async function libraryEntryPoints() {
  const entries = [{ in: 'src/index.ts', out: 'lib/index' }];
  for (const dir of await readdir(SRC, { withFileTypes: true })) {
    const barrel = join(SRC, dir.name, 'index.ts');
    if (dir.isDirectory() && (await exists(barrel)))
      entries.push({ in: relative(ROOT, barrel), out: `${dir.name}/index` });
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
    build.onLoad({ filter: /\.ts$/ }, async (args) =>
      args.path.startsWith(SRC + sep) ? { contents: await moduleUrlSource(args.path), loader: 'ts' } : undefined,
    );
  },
};

async function moduleUrlSource(path) {
  const source = await readFile(path, 'utf8');
  const asIfUnbundled = `../${relative(SRC, path).split(sep).join('/').replace(/\.ts$/, '.js')}`;
  return source.replaceAll('import.meta.url', `new URL(${JSON.stringify(asIfUnbundled)}, import.meta.url).href`);
}

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

/**
 * esbuild puts code in one chunk per set of entry points that reach it, and every import() is an
 * entry point: the command tree's modules, each also used by some lazily imported module, would be spread over
 * ~25 files read at every start. Each lazily imported module here also imports the command tree
 * (already loaded by then: commands are what import them), so all of it is one set, one chunk.
 */
function lazyChunksPlugin() {
  const lazy = new Set();
  return {
    name: 'lazy-chunks',
    setup(build) {
      build.onResolve({ filter: /^\./ }, (args) => {
        if (args.kind === 'dynamic-import') lazy.add(join(args.resolveDir, args.path).replace(/\.js$/, '.ts'));
        return undefined;
      });
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!lazy.has(args.path) || args.path === CLI_TREE) return undefined;
        const source = await moduleUrlSource(args.path);
        return { contents: `import ${JSON.stringify(CLI_TREE)}; ${source}`, loader: 'ts' };
      });
    },
  };
}

/**
 * Bundled CommonJS packages call require() for Node built-ins, and ssh2's emscripten poly1305 reads
 * __filename/__dirname; ESM has neither. The banner reserves one line in every file (so source maps
 * stay exact) and each file gets there only what it uses: most use nothing, and every import of a
 * built-in costs start-up time.
 */
const SHIM_LINE = '/* tunnel: module shims */';

function fillShims(text) {
  const rest = text.replace(SHIM_LINE, '');
  const shims = [];
  if (/\brequire\b/.test(rest))
    shims.push(
      "import { createRequire as __tunnelCreateRequire } from 'node:module'; const require = __tunnelCreateRequire(import.meta.url);",
    );
  if (/__tunnel(Filename|Dirname)\b/.test(rest)) {
    shims.push(
      "import { fileURLToPath as __tunnelFileUrlToPath } from 'node:url'; const __tunnelFilename = __tunnelFileUrlToPath(import.meta.url); const __tunnelDirname = __tunnelFileUrlToPath(new URL('.', import.meta.url));",
    );
  }
  return text.replace(SHIM_LINE, shims.join(' '));
}

async function bundleOne(entryPoints, chunkPrefix, plugins, splitting = true) {
  const result = await esbuild.build({
    entryPoints,
    outdir: DIST,
    bundle: true,
    splitting,
    format: 'esm',
    platform: 'node',
    target: 'node20.17',
    chunkNames: `chunks/${chunkPrefix}-[name]-[hash]`,
    banner: { js: SHIM_LINE },
    define: { __dirname: '__tunnelDirname', __filename: '__tunnelFilename' },
    // Maps locate --debug stack frames in src/ (and in node_modules/ by package and line); without
    // sourcesContent they stay small: the sources are in the repository at the released version.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'eof',
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [...plugins, moduleUrlPlugin, optionalNativePlugin],
  });
  for (const file of result.outputFiles) {
    if (file.path.endsWith('.js') && relative(DIST, file.path).split(sep).length !== 2) {
      throw new Error(`${file.path} is not one folder below dist/: import.meta.url rewriting assumes it is`);
    }
    await mkdir(dirname(file.path), { recursive: true });
    await writeFile(file.path, file.path.endsWith('.js') ? fillShims(file.text) : file.contents);
  }
  return result.metafile;
}

async function bundle() {
  const [cli, library] = await Promise.all([
    bundleOne([{ in: 'src/cli/main.ts', out: 'cli/main' }], 'cli', [lazyChunksPlugin()]),
    bundleOne(await libraryEntryPoints(), 'lib', []),
    ...DEV_ENTRIES.map((entry) => bundleOne([entry], 'dev', [], false)),
  ]);
  await writeFile(join(DIST, 'index.js'), "export * from './lib/index.js';\n");
  await chmod(join(DIST, 'cli/main.js'), 0o755);
  const meta = { inputs: { ...library.inputs, ...cli.inputs }, outputs: { ...library.outputs, ...cli.outputs } };
  await writeFile(join(DIST, 'meta.json'), JSON.stringify(meta));
  await writeFile(join(DIST, 'THIRD-PARTY-LICENSES.txt'), await thirdPartyLicenses(Object.keys(meta.inputs)));
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
    sections.push(
      `${pkg.name}@${pkg.version} (${pkg.license ?? 'see text'})\n\n${texts.join('\n').trim() || `no licence file shipped; package.json says: ${pkg.license}`}\n`,
    );
  }
  return `Packages bundled into dist/ by esbuild, and their licences.\n\n${sections.join(`\n${'-'.repeat(72)}\n\n`)}`;
}

/** tsc checks every type and writes .d.ts files; only dist/index.d.ts and what it references are kept. */
async function declarations() {
  await new Promise((resolve, reject) => {
    const tsc = spawn(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json'), '--emitDeclarationOnly'],
      { stdio: 'inherit' },
    );
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
    for (const [, spec] of text.matchAll(/(?:from\s+|import\()\s*['"](\.[^'"]+)['"]/g))
      queue.push(join(dirname(file), spec.replace(/\.js$/, '.d.ts')));
  }
  return seen;
}

async function exists(path) {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

await rm(DIST, { recursive: true, force: true });
const outcomes = await Promise.allSettled([
  bundle(),
  process.env.BUILD_SKIP_TYPES === '1' ? undefined : declarations(),
]);
const failed = outcomes.filter((o) => o.status === 'rejected');
for (const f of failed)
  process.stderr.write(`build: ${f.reason instanceof Error ? f.reason.message : String(f.reason)}\n`);
process.exitCode = failed.length === 0 ? 0 : 1;
