import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSsh, SshResult } from '../../../src/ssh/run.js';
import {
  planWorkerArray,
  routeOfRecord,
  submitWorkerArray,
  workerArrayDryRun,
} from '../../../src/workqueue/worker-array.js';
import { cancelTunnelJobs } from '../../../src/scheduler/tunnel-jobs.js';
import { readTunnelJobs } from '../../../src/scheduler/job-files.js';

const SCRIPT = '#!/bin/bash\n#SBATCH --job-name=wq\n#SBATCH --ntasks=1\n#SBATCH --array=1-2\necho hi\n';
const ROUTE = { via: ['gw'], login: 'me@login:2222', sshConfig: '/home/me/.ssh/cluster' };

/** A fake login node: records each ssh and answers from `answers` in order. */
function fakeRun(answers: Array<Partial<SshResult>>) {
  const calls: Array<{ argv: readonly string[]; input: string | undefined }> = [];
  const run: RunSsh = async (argv, { input } = {}) => {
    calls.push({ argv, input });
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...answers.shift() };
  };
  return { run, calls };
}

describe('routeOfRecord', () => {
  it('takes the preset target the manager tunnel published on, with its hops and ssh_config', () => {
    expect(
      routeOfRecord({
        route: [],
        preset: {
          name: 'workqueue',
          state: { via: ['gw'], to: 'login', sshConfig: '/c' },
          report: { lines: [], json: {} },
        },
      }),
    ).toEqual({ via: ['gw'], login: 'login', sshConfig: '/c' });
  });
  it.each([
    [undefined],
    [{ route: ['localhost', 'x'] }],
    [{ route: [], preset: { name: 'w', state: { to: 3 }, report: { lines: [], json: {} } } }],
  ])('none from %j', (record) => {
    expect(routeOfRecord(record as never)).toBeUndefined();
  });
});

describe('planWorkerArray', () => {
  it("submits through the running tunnel's route: BatchMode, its ssh_config and hops, the script on stdin, array output files", () => {
    const plan = planWorkerArray({ name: 'wq', script: SCRIPT, slurm: '-p normal -t 30' }, ROUTE);
    expect(plan.submit.slice(0, 10)).toEqual([
      'ssh',
      '-T',
      '-F',
      '/home/me/.ssh/cluster',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '-o',
      'ControlMaster=no',
    ]);
    expect(plan.submit).toEqual(expect.arrayContaining(['-J', 'gw', '-p', '2222', 'me@login']));
    expect(plan.submit.at(-1)).toContain(
      'exec sbatch --parsable --job-name=wq --output="$HOME/.tunnel/jobs"/%A_%a.out -p normal -t 30',
    );
    expect(plan.cancel('12').at(-1)).toContain('exec scancel 12');
    expect(plan.keepJob).toBe(false);
  });
  it('--via replaces the route (the default ssh_config then)', () => {
    const plan = planWorkerArray({ name: 'wq', script: SCRIPT, via: ['head'], keepJob: true }, undefined);
    expect(plan.submit).not.toContain('-F');
    expect(plan.submit.at(-2)).toBe('head');
  });
  it('a single worker (no array) gets its own %j file', () => {
    expect(planWorkerArray({ name: 'wq', script: '#SBATCH --ntasks=1\n' }, ROUTE).submit.at(-1)).toContain('/%j.out');
  });
  it.each([
    [{}, undefined, /no background tunnel 'wq' runs, so nothing would cancel the workers/],
    [{ keepJob: true }, undefined, /name the login node where sbatch runs with --via LOGIN/],
    [{ slurm: '--array=1-9' }, ROUTE, /--array is not allowed: --count sets the array size/],
    [{ slurm: '--wrap=hostname' }, ROUTE, /--wrap is not allowed: the worker script is the batch script/],
    [{ slurm: '-p "x' }, ROUTE, /unbalanced "/],
    [{ via: '-oProxyCommand=x' }, ROUTE, /may not start with '-'/],
  ])('refuses %j', (patch, route, message) => {
    expect(() => planWorkerArray({ name: 'wq', script: SCRIPT, ...patch }, route)).toThrow(message);
  });
  it('--dry-run shows the script, the submit with its stdin, and the cancel down runs', () => {
    const lines = workerArrayDryRun(planWorkerArray({ name: 'wq', script: SCRIPT }, ROUTE));
    expect(lines).toContain('#   #SBATCH --array=1-2');
    expect(lines.find((l) => l.startsWith('ssh'))).toMatch(/^ssh -T .* < workers\.sbatch$/);
    expect(lines).toContain("# 'tunnel down wq' cancels the workers with:");
    expect(lines.at(-1)).toMatch(/^ssh -T .*exec scancel JOBID/);
  });
});

describe('submitWorkerArray + cancelTunnelJobs', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'tnl-unit-wa-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("records the array under the tunnel (0600), and down's cancel runs the recorded scancel", async () => {
    const fake = fakeRun([{ stdout: '41\n' }]);
    const plan = planWorkerArray({ name: 'wq', script: SCRIPT }, ROUTE);
    expect(await submitWorkerArray(plan, { run: fake.run, home, what: '2 workers' })).toEqual({
      id: '41',
      recorded: true,
    });
    expect(fake.calls[0]!.input).toBe(SCRIPT);
    const jobs = await readTunnelJobs('wq', home);
    expect(jobs).toMatchObject([{ id: '41', what: '2 workers', cancel: plan.cancel('41') }]);
    expect((await stat(join(home, 'tunnels', 'wq', 'jobs', '41.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'tunnels', 'wq', 'jobs'))).mode & 0o777).toBe(0o700);

    const cancel = fakeRun([
      { exitCode: 1, stderr: 'scancel: error: Kill job error on job id 41: Access/permission denied\n' },
    ]);
    expect(await cancelTunnelJobs(jobs, cancel.run)).toEqual([
      {
        id: '41',
        what: '2 workers',
        cancelled: false,
        error: 'scancel: error: Kill job error on job id 41: Access/permission denied',
      },
    ]);
    expect(cancel.calls[0]!.argv).toEqual(plan.cancel('41'));
    expect(await cancelTunnelJobs(jobs, fakeRun([{}]).run)).toEqual([{ id: '41', what: '2 workers', cancelled: true }]);
  });

  it('--keep-job records nothing', async () => {
    const plan = planWorkerArray({ name: 'wq', script: SCRIPT, keepJob: true }, ROUTE);
    expect(await submitWorkerArray(plan, { run: fakeRun([{ stdout: '7' }]).run, home })).toEqual({
      id: '7',
      recorded: false,
    });
    expect(await readTunnelJobs('wq', home)).toEqual([]);
  });

  it("sbatch's refusal is its own line, and nothing is recorded", async () => {
    const plan = planWorkerArray({ name: 'wq', script: SCRIPT, slurm: '-p nope' }, ROUTE);
    const fake = fakeRun([
      {
        exitCode: 1,
        stderr:
          'sbatch: error: invalid partition specified: nope\nsbatch: error: Batch job submission failed: Invalid partition name specified\n',
      },
    ]);
    await expect(submitWorkerArray(plan, { run: fake.run, home })).rejects.toThrow(
      /^sbatch on me@login:2222 refused the job: sbatch: error: invalid partition specified: nope$/,
    );
    expect(fake.calls).toHaveLength(1);
    expect(await readdir(home)).toEqual([]);
  });
});
