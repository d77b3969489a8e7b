import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Spawned } from '../../test/harness/node-exec.js';
import { sleep } from '../../test/harness/proc.js';
import { startSlurm, type Slurm } from '../../test/harness/slurm.js';
import { stageForCluster } from '../../test/harness/stage.js';
import { buildTopology, type Topology } from '../../test/harness/topology.js';

/*
 * Submit -> URL: `tunnel up --slurm` against what people do by hand (sbatch, poll squeue, learn
 * the node, ssh -L through login, wait until it answers), on the same real Slurm in the same run,
 * alternating, RUNS times each. The hand-made loop polls squeue every POLL_MS, like the tool's
 * first polls, so the difference is the tool's own overhead, not a slower poll.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const POLL_MS = 250;
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const HTTP_SOURCE = fileURLToPath(new URL('../../test/fixtures/http-unix-server.mjs', import.meta.url));

let t: Topology;
let slurm: Slurm;
let http: { path: string; remove: () => Promise<void> };
const results: Record<string, number[]> = {};
const record = (name: string, ms: number) => (results[name] ??= []).push(ms);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

beforeAll(async () => {
  t = await buildTopology();
  slurm = await startSlurm(t);
  http = await stageForCluster(t, HTTP_SOURCE);
  // The first job after slurmctld starts waits for the first scheduling pass (~3 s): not measured.
  const warm = (await slurm.admin(['sbatch', '--parsable', '--output=/dev/null', '--wrap', 'true'])).stdout.trim();
  await slurm.waitForState(warm, /^COMPLETED$/, 20_000);
});
afterAll(async () => {
  await slurm?.stop();
  await http?.remove();
  await t?.teardown();
});

const ssh = (args: string[], timeoutMs = 20_000) =>
  t.exec('laptop', ['ssh', '-F', t.sshConfigPath, ...args], { timeoutMs });
const until = async <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(POLL_MS);
  }
};
const curl = async (url: string, sock?: string) => {
  const r = await t.exec('laptop', [
    'curl',
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-m',
    '3',
    ...(sock ? ['--unix-socket', sock] : []),
    url,
  ]);
  return r.stdout === '200' ? true : undefined;
};

/** By hand: sbatch, poll squeue for the node, (jupyter: ask it for its token), ssh -L, first 200. */
async function byHand(kind: 'plain' | 'jupyter', port: number): Promise<number> {
  const t0 = Date.now();
  const phase = (what: string) => record(`${kind}: by hand, ${what}`, Date.now() - t0);
  const sock = kind === 'plain' ? '/tmp/bench-plain.sock' : '/tmp/bench-jupyter.sock';
  const wrap =
    kind === 'plain' ? `exec node ${http.path} ${sock} hi` : `exec jupyter notebook --no-browser --sock ${sock}`;
  const id = (await ssh(['login', `sbatch --parsable -t 5 --output=/dev/null --wrap '${wrap}'`])).stdout.trim();
  const node = await until('RUNNING', async () => {
    const [state, where] = (await ssh(['login', `squeue -h -j ${id} -o '%T %N'`])).stdout.trim().split(' ');
    return state === 'RUNNING' && where ? where : undefined;
  });
  phase('squeue says RUNNING');
  let path = '/';
  if (kind === 'jupyter') {
    const token = await until('jupyter listed', async () => {
      const out = (await ssh(['-J', 'login', node, 'jupyter notebook list --json'])).stdout;
      return /"token": "([0-9a-f]+)"/.exec(out)?.[1];
    });
    path = `/api/status?token=${token}`;
    phase('token read on the node');
  }
  const tunnel: Spawned = await t.spawn('laptop', [
    'ssh',
    '-F',
    t.sshConfigPath,
    '-N',
    '-o',
    'ExitOnForwardFailure=yes',
    '-J',
    'login',
    '-L',
    `${port}:${sock}`,
    node,
  ]);
  try {
    await until('answer', () => curl(`http://127.0.0.1:${port}${path}`));
    return Date.now() - t0;
  } finally {
    await tunnel.kill();
    await ssh(['login', `scancel ${id}`]);
    await slurm.waitForState(id, /^CANCELLED$/, 20_000);
  }
}

/** The tool: from starting `tunnel up` to the first 200 through the URL it prints. */
async function withTool(kind: 'plain' | 'jupyter', port: number): Promise<{ url: number; answer: number }> {
  const t0 = Date.now();
  const args =
    kind === 'plain'
      ? [
          '--slurm',
          '-t 5',
          '--run',
          `exec node ${http.path} /tmp/bench-tool.sock hi`,
          '-L',
          `${port}:/tmp/bench-tool.sock`,
        ]
      : ['jupyter', '--slurm', '-t 5', '--sock', '--local-port', String(port)];
  const child = await t.spawn(
    'laptop',
    ['node', CLI, 'up', '-F', t.sshConfigPath, '--via', 'login', ...args, '--json'],
    { env: { TUNNEL_HOME: `${t.dir}/bench-state`, NO_COLOR: '1' } },
  );
  // Where the time goes: the job events the tool prints (the follow loop returns once the app is ready on the node).
  for (const [what, pattern] of [
    ['submitted', /"event":"submitted"/],
    ['running (app ready on the node)', /"event":"running"/],
  ] as const) {
    void child.waitForOutput(pattern, 90_000).then(
      () => record(`${kind}: tunnel up --slurm, ${what}`, Date.now() - t0),
      () => undefined,
    );
  }
  try {
    const line = (await child.waitForOutput(/^\{"name".*\}$/m, 90_000))
      .split('\n')
      .find((l) => l.startsWith('{"name"'))!;
    const url = Date.now() - t0;
    const json = JSON.parse(line) as { url?: string; job: { id: string } };
    const target =
      json.url === undefined
        ? `http://127.0.0.1:${port}/`
        : `${new URL(json.url).origin}/api/status?${new URL(json.url).searchParams.toString()}`;
    await until('answer', () => curl(target));
    return { url, answer: Date.now() - t0 };
  } finally {
    await child.kill('SIGINT');
  }
}

it('submit -> URL: tunnel up --slurm vs sbatch + squeue polling + ssh -L by hand', async () => {
  for (let i = 0; i < RUNS; i++) {
    for (const kind of ['plain', 'jupyter'] as const) {
      const tool = await withTool(kind, 18_800 + i * 4 + (kind === 'plain' ? 0 : 1));
      record(`${kind}: tunnel up --slurm (JSON printed)`, tool.url);
      record(`${kind}: tunnel up --slurm (first answer)`, tool.answer);
      record(`${kind}: by hand (first answer)`, await byHand(kind, 18_800 + i * 4 + (kind === 'plain' ? 2 : 3)));
    }
  }
  const lines = ['| what | median ms | runs (ms) |', '| --- | ---: | --- |'];
  for (const [name, xs] of Object.entries(results)) lines.push(`| ${name} | ${median(xs)} | ${xs.join(', ')} |`);
  const text = `Submit -> URL on real Slurm in the namespaces (${new Date().toISOString()}, ${RUNS} runs each, alternating; squeue polled every ${POLL_MS} ms by hand)\n\n${lines.join('\n')}\n`;
  console.info(text);
  await writeFile(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), text);
  expect(Object.values(results).every((xs) => xs.length === RUNS)).toBe(true);
});
