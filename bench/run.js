// `npm run bench`: benchmarks of tunnel against hand-typed ssh, autossh and tunnel-ssh.
// BENCH_QUICK=1 for a ~5 minute smoke run; BENCH_ONLY=data-plane,recovery for some sections.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { canIsolate, runIsolated, setUpInside } from './lib/isolate.js';

const here = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL('../', import.meta.url));

/** The real-sshd harness is TypeScript (test/harness); compile it once for plain node. */
function compileHarness() {
  const tsc = spawnSync(
    process.execPath,
    [
      'node_modules/typescript/bin/tsc',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      '--rootDir',
      'test/harness',
      '--outDir',
      'bench/out/harness',
      'test/harness/sshd.ts',
    ],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
  if (tsc.status !== 0) throw new Error(`compiling test/harness/sshd.ts failed:\n${tsc.stdout}${tsc.stderr}`);
}

if (process.env.BENCH_INSIDE === '1') {
  const isolation = setUpInside();
  const { main } = await import('./lib/main.js');
  process.exitCode = await main(isolation);
} else {
  compileHarness();
  if (canIsolate()) {
    process.exitCode = await runIsolated(here);
  } else {
    const { main } = await import('./lib/main.js');
    process.exitCode = await main({ netns: false, privateHome: false });
  }
}
