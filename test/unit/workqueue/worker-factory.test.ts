import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSsh, SshResult } from '../../../src/ssh/run.js';
import {
  NO_CATALOG,
  planWorkerFactory,
  startWorkerFactory,
  workerFactoryDryRun,
} from '../../../src/workqueue/worker-factory.js';
import { cancelTunnelJobs } from '../../../src/scheduler/tunnel-jobs.js';
import { readTunnelJobs } from '../../../src/scheduler/job-files.js';

const ROUTE = { via: ['gw'], login: 'me@login:2222', sshConfig: '/home/me/.ssh/cluster' };
const INPUT = { name: 'wq', wrapper: '#!/bin/bash\necho wrap\n', headPort: 40001 };

function fakeRun(answers: Array<Partial<SshResult>>) {
  const calls: Array<{ argv: readonly string[]; input: string | undefined }> = [];
  const run: RunSsh = async (argv, { input } = {}) => {
    calls.push({ argv, input });
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...answers.shift() };
  };
  return { run, calls };
}

describe('planWorkerFactory', () => {
  it("runs the factory against the manager's port on login, no catalog, the sbatch options as one -B text", () => {
    const plan = planWorkerFactory(
      { ...INPUT, maxWorkers: '4', slurm: "-p 'big q' -t 5", workerArgs: ['--cores=1'] },
      ROUTE,
      'abcd',
    );
    expect(plan.factoryArgs).toEqual([
      '-T',
      'slurm',
      '--catalog',
      NO_CATALOG,
      '-d',
      'all',
      '-O',
      '8',
      '-w',
      '0',
      '-W',
      '4',
      '-B',
      "-p 'big q' -t 5",
      '-E',
      '--cores=1',
      'localhost',
      '40001',
    ]);
    expect(plan.launch.slice(0, 4)).toEqual(['ssh', '-T', '-F', '/home/me/.ssh/cluster']);
    expect(plan.launch).toEqual(expect.arrayContaining(['-J', 'gw', '-p', '2222', 'me@login']));
    expect(plan.launch.at(-1)).toContain('/.tunnel/wq-factory/'); // the private directory under ~/.tunnel
    expect(plan.launch.at(-1)).toContain('wq-abcd');
    expect(plan.stop.at(-1)).toContain('wq-abcd');
    expect(plan.stop.at(-1)).toContain('kill -TERM');
  });
  it.each([
    [{}, undefined, /no background tunnel 'wq' runs, so nothing would stop the factory/],
    [{ maxWorkers: '0' }, ROUTE, /--max-workers '0': expected a whole number from 1 to 10000/],
    [{ minWorkers: 'x' }, ROUTE, /--min-workers 'x'/],
    [{ minWorkers: '3', maxWorkers: '2' }, ROUTE, /--min-workers 3 is more than --max-workers 2/],
    [{ slurm: '--array=1-3' }, ROUTE, /--array is not allowed: the factory submits one job per worker/],
    [{ slurm: '-o x.out' }, ROUTE, /-o is not allowed/],
    [{ via: '-oProxyCommand=x' }, ROUTE, /may not start with '-'/],
  ])('refuses %j', (patch, route, message) => {
    expect(() => planWorkerFactory({ ...INPUT, ...patch }, route)).toThrow(message);
  });
  it('--dry-run shows the wrapper, the launch with its stdin and the stop down runs', () => {
    const lines = workerFactoryDryRun(planWorkerFactory(INPUT, ROUTE));
    expect(lines).toContain('#   echo wrap');
    expect(lines.find((l) => l.startsWith('ssh'))).toMatch(/^ssh -T .*work_queue_factory .* < wrapper\.sh$/);
    expect(lines.at(-2)).toBe("# 'tunnel down wq' stops it (SIGTERM: it cancels its workers) with:");
  });
});

describe('startWorkerFactory', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'tnl-factory-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("sends the wrapper on stdin, records the factory by its pid; down's stop is the recorded ssh", async () => {
    const plan = planWorkerFactory(INPUT, ROUTE);
    const { run, calls } = fakeRun([{ stdout: 'tunnel-launched pid=4242\n' }]);
    expect(await startWorkerFactory(plan, { run, home })).toEqual({ pid: '4242' });
    expect(calls[0]!.input).toBe(INPUT.wrapper);
    const jobs = await readTunnelJobs('wq', home);
    expect(jobs).toEqual([
      expect.objectContaining({
        id: '4242',
        kind: 'factory',
        cancel: plan.stop,
        what: 'work_queue_factory on me@login:2222 (pid 4242, 0-10 workers)',
      }),
    ]);
    expect(await readdir(join(home, 'tunnels', 'wq', 'jobs'))).toEqual(['factory-4242.json']);
    expect(await cancelTunnelJobs(jobs, fakeRun([{}]).run)).toEqual([
      { id: '4242', what: jobs[0]!.what, kind: 'factory', cancelled: true },
    ]);
  });
  it('a factory that does not start is one line and nothing is recorded', async () => {
    const { run } = fakeRun([{ exitCode: 95, stderr: 'tunnel: work_queue_factory ended at once: bad option\n' }]);
    await expect(startWorkerFactory(planWorkerFactory(INPUT, ROUTE), { run, home })).rejects.toThrow(
      /^work_queue_factory on me@login:2222 did not start: tunnel: work_queue_factory ended at once: bad option$/,
    );
    expect(await readTunnelJobs('wq', home)).toEqual([]);
  });
});
