import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Result } from 'execa';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, writeClientConfig, type TestSshd } from '../harness/sshd.js';
import { startApp } from '../support/app.js';
import { CLI } from '../support/cli.js';
import { freePort, waitFor } from '../support/processes.js';
import {
  applyMapping,
  codeBlocks,
  consoleSteps,
  isForeground,
  normaliseOutput,
  shellCommands,
  type CodeBlock,
} from '../support/readme-blocks.js';

/*
 * Every code block of README.md runs here, as a user would run it, so the README cannot drift.
 *
 * Hosts keep their README names: two real sshds on loopback answer for them, through an `ssh`
 * first on PATH that adds `-F` with this test's config (the user's ~/.ssh/config, in effect):
 *   login, gw1, headnode, jump      -> the "login" sshd
 *   isolated-node, gw2, node7       -> the "node" sshd (it runs Jupyter for the jupyter block)
 * Values the test cannot use as written are mapped (MAPPING below, applied to the block's text):
 *   8899 (local port)               -> a free port
 *   /home/me/.jupyter.sock          -> a socket served by an HTTP stand-in, on the "node"
 *   5678:127.0.0.1:5678             -> FREE:127.0.0.1:APP (an HTTP stand-in; one machine plays both ends)
 *   /tmp/me/db.sock, /run/db.sock   -> a private local path; a socket served by an HTTP stand-in
 *   10001:localhost:9123            -> FREE:localhost:APP (the laptop's service, a stand-in)
 *   --port 9123 (workqueue)         -> --port APP (a stand-in for the manager)
 * js blocks import 'ssh-tunnel-orchestrator' through node_modules linked to this package (its
 * exports map, i.e. dist/); ts blocks are compiled with TypeScript first. sh and console blocks run
 * with `tunnel` on PATH: a foreground `tunnel up` must print "Press Ctrl-C to stop." and exit 130
 * on SIGINT; every other command must exit 0; a console block's output must match what was printed
 * (exactly; for a foreground command up to ports, pids, ids and tokens). A block that cannot run
 * here says why with <!-- readme-test: skip (REASON) --> on the line before it.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BLOCKS = codeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
const RUNNERS = ['js', 'ts', 'sh', 'console'];
const hasJupyter = existsSync('/usr/bin/jupyter');

let login: TestSshd;
let node: TestSshd;
let dir: string;
let env: Record<string, string>;
let mapping: Array<[string, string]>;
const apps: Array<{ stop: () => Promise<void> }> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'tnl-readme-'));
  const jupyterConfig = join(dir, 'jupyter-config');
  await mkdir(jupyterConfig);
  // As root, Jupyter needs allow_root: given through the node sshd's SetEnv, the preset is unchanged.
  await writeFile(
    join(jupyterConfig, 'jupyter_notebook_config.json'),
    JSON.stringify({ NotebookApp: { allow_root: true } }),
  );
  const setEnv = `SetEnv JUPYTER_CONFIG_DIR=${jupyterConfig} JUPYTER_RUNTIME_DIR=${join(dir, 'runtime')} PATH=/usr/bin:/bin`;
  login = await startSshd({ alias: 'login' });
  node = await startSshd({ alias: 'isolated-node', clientKeyPath: login.clientKeyPath, extraConfig: [setEnv] });
  const as = (sshd: TestSshd, alias: string): TestSshd => ({ ...sshd, alias });
  const cfg = await writeClientConfig(dir, [
    login,
    as(login, 'gw1'),
    as(login, 'headnode'),
    as(login, 'jump'),
    node,
    as(node, 'gw2'),
    as(node, 'node7'),
  ]);
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F '${cfg}' "$@"\n`);
  await writeFile(join(bin, 'tunnel'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
  await chmod(join(bin, 'ssh'), 0o755);
  await chmod(join(bin, 'tunnel'), 0o755);
  await mkdir(join(dir, 'work', 'node_modules'), { recursive: true });
  await symlink(ROOT, join(dir, 'work', 'node_modules', 'ssh-tunnel-orchestrator'));
  await mkdir(join(dir, 'me'));
  env = {
    NO_COLOR: '1',
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    TUNNEL_HOME: join(dir, 'state'),
    TUNNEL_CONFIG_DIR: join(dir, 'conf'),
  };
  const app = async (target: string) => {
    const started = await startApp(target, 'stand-in');
    apps.push(started);
    return String(started.port ?? target);
  };
  mapping = [
    ['8899', String(await freePort())],
    ['/home/me/.jupyter.sock', await app(join(dir, 'jupyter.sock'))],
    ['5678:127.0.0.1:5678', `${await freePort()}:127.0.0.1:${await app('0')}`],
    ['/tmp/me/db.sock', join(dir, 'me', 'db.sock')],
    ['/run/db.sock', await app(join(dir, 'db.sock'))],
    ['10001:localhost:9123', `${await freePort()}:localhost:${await app('0')}`],
    ['--port 9123', `--port ${await app('0')}`],
  ];
}, 60_000);

afterAll(async () => {
  if (env !== undefined) await execa('tunnel', ['down', '--all'], { env, reject: false, timeout: 30_000 });
  for (const app of apps) await app.stop();
  await node?.stop();
  await login?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('README.md code blocks', { timeout: 180_000 }, () => {
  it('every block is run by this test or says why not; few are skipped', () => {
    const unrunnable = BLOCKS.filter((b) => b.skip === undefined && !RUNNERS.includes(b.lang));
    expect(unrunnable.map((b) => `line ${b.line}: \`\`\`${b.lang}`)).toEqual([]);
    // Each skip names the test that runs the same thing elsewhere (CI itself, the pack test, real Slurm).
    expect(BLOCKS.filter((b) => b.skip !== undefined).length).toBeLessThanOrEqual(4);
    expect(BLOCKS.filter((b) => b.skip === undefined).length).toBeGreaterThanOrEqual(8);
  });

  for (const block of BLOCKS.filter((b) => b.skip === undefined && RUNNERS.includes(b.lang))) {
    const needsJupyter = /tunnel up jupyter/.test(block.code);
    it.skipIf(needsJupyter && !hasJupyter)(`line ${block.line}: \`\`\`${block.lang}`, async () => {
      try {
        await run(block);
      } finally {
        // Whatever a block left in the background goes, and `down --all` itself must work.
        const down = await execa('tunnel', ['down', '--all'], { env, reject: false, timeout: 60_000 });
        expect(down.exitCode, down.stderr).toBe(0);
      }
    });
  }
});

async function run(block: CodeBlock): Promise<void> {
  const code = applyMapping(block.code, mapping);
  if (block.lang === 'js' || block.lang === 'ts') return runModule(block, code);
  if (block.lang === 'sh') {
    for (const command of shellCommands(code)) await runCommand(command);
    return;
  }
  for (const step of consoleSteps(code)) {
    const printed = await runCommand(step.command);
    const expected = step.output.join('\n');
    if (isForeground(step.command)) expect(normaliseOutput(printed.trimEnd())).toBe(normaliseOutput(expected));
    else expect(printed.trimEnd()).toBe(expected);
  }
}

/** A js block as an ES module next to node_modules/ssh-tunnel-orchestrator; a ts block type-checked and compiled first. */
async function runModule(block: CodeBlock, code: string): Promise<void> {
  const source = block.lang === 'ts' ? await compile(join(dir, 'work', `block-${block.line}.mts`), code) : code;
  const file = join(dir, 'work', `block-${block.line}.mjs`);
  await writeFile(file, source);
  const result = await execa(process.execPath, [file], {
    env,
    cwd: join(dir, 'work'),
    reject: false,
    timeout: 90_000,
    stdin: 'ignore',
  });
  expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
  expect(result.stderr).toBe('');
}

/** What the README promises TypeScript users: the block type-checks against the published types and compiles for Node 20. */
async function compile(file: string, code: string): Promise<string> {
  await writeFile(file, code);
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'], // Symbol.asyncDispose comes with @types/node, as in a usual Node project
    strict: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
  };
  const program = ts.createProgram([file], options);
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(diagnostics).toEqual([]);
  return ts.transpileModule(code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } })
    .outputText;
}

/** One command line; returns what it printed (stdout and stderr, as a terminal shows them). */
async function runCommand(command: string): Promise<string> {
  const options = { env, cwd: join(dir, 'work'), reject: false, stdin: 'ignore', all: true } as const;
  if (!isForeground(command)) {
    const result = await execa('bash', ['-c', `set -e; ${command}`], { ...options, timeout: 90_000 });
    expect(result.exitCode, `${command}\n${result.all}`).toBe(0);
    return String(result.stdout);
  }
  // Its own process group, like a shell's job; Ctrl-C signals the whole group.
  const child = execa('bash', ['-c', `exec ${command} 2>&1`], { ...options, buffer: false, detached: true });
  let printed = '';
  child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  let result: Result | undefined;
  void child.then((r) => (result = r));
  await waitFor(
    () => result !== undefined || printed.includes('Press Ctrl-C to stop.'),
    90_000,
    `${command} to be up; printed: ${printed}`,
  );
  expect(result, `${command} exited early:\n${printed}`).toBeUndefined();
  process.kill(-child.pid!, 'SIGINT');
  expect((await child).exitCode, `${command}\n${printed}`).toBe(130);
  return printed.slice(0, printed.indexOf('Press Ctrl-C to stop.') + 'Press Ctrl-C to stop.'.length);
}
