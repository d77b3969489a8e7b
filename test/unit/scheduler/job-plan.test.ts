import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jobDryRun, jobDryRunJson, planJob } from '../../../src/scheduler/job-plan.js';
import { planLoginCommand } from '../../../src/scheduler/login.js';
import { slurm, slurmCommands } from '../../../src/scheduler/slurm/index.js';

const TEMPLATE = readFileSync(new URL('../../../templates/slurm/job.sh', import.meta.url), 'utf8');
const app = { title: 't', dir: '/tmp/tnl-job-1', socket: '', command: 'sleep 1' };

describe('planJob', () => {
  it('the last --via is the login node; -F, timeouts and the tunnel options carry over', () => {
    const plan = planJob(
      { via: ['gw', 'login'], slurm: '-p normal', run: 'x', local: ['8888:/s.sock'], sshConfig: '/c', name: 'nb' },
      app,
      TEMPLATE,
      '/state',
    );
    expect(plan.host).toMatchObject({
      via: [{ host: 'gw' }],
      login: { host: 'login' },
      sshConfig: '/c',
      batchMode: true,
      controlPath: undefined,
    });
    expect(plan).toMatchObject({
      sbatch: ['-p', 'normal'],
      jobName: 'tnl-nb',
      keepJob: false,
      pollMs: 5000,
      attach: undefined,
    });
    expect(plan.tunnel).toEqual(expect.objectContaining({ via: ['gw', 'login'], local: ['8888:/s.sock'] }));
    expect(plan.tunnel).not.toHaveProperty('run');
    expect(plan.script).toContain("/bin/sh -c 'sleep 1' &");
  });
  it('--multiplex: every scheduler command rides one ControlMaster to the login node', () => {
    const plan = planJob({ via: ['login'], slurm: '', run: 'x', multiplex: true }, app, TEMPLATE, '/state');
    expect(plan.host.controlPath).toMatch(/^\/state\/cm\/s-[0-9a-f]{12}$/);
    expect(plan.host.batchMode).toBe(false);
    const argv = planLoginCommand(plan.host, 'true');
    expect(argv.join(' ')).toContain(
      `-o ControlMaster=auto -S ${plan.host.controlPath} -o ControlPersist=60 -o ServerAliveInterval=5 -o ServerAliveCountMax=3 login`,
    );
  });
  it('--job attaches: the job is kept', () => {
    expect(planJob({ via: ['login'], job: '42', local: ['1:/s'] }, undefined, TEMPLATE, '/s')).toMatchObject({
      attach: '42',
      keepJob: true,
      script: undefined,
    });
  });
  it.each([
    [{ via: ['login'], slurm: '-p x', job: '4' }, /cannot be combined with --slurm/],
    [{ via: ['login'], slurm: '-p x', run: 'y', to: 'node7' }, /the node comes from the job/],
    [{ slurm: '-p x', run: 'y' }, /name the login node/],
    [{ via: ['login'], job: '4', run: 'y' }, /with --job the job is already running/],
    [{ via: ['login'], job: 'abc' }, /expected a Slurm job id/],
    [{ via: ['login'], slurm: '--wrap x', run: 'y' }, /--wrap is not allowed/],
    [{ via: ['login'], slurm: '-p x', run: 'y', poll: '0' }, /--poll/],
  ])('%j is refused', (input, message) => expect(() => planJob(input, app, TEMPLATE, '/s')).toThrow(message));
  it('--slurm without a command says what to add', () => {
    expect(() => planJob({ via: ['login'], slurm: '-p x' }, undefined, TEMPLATE, '/s')).toThrow(/--run 'CMD'/);
  });
  it('--dry-run lists the script, submit, the follow, tunnel and cancel', () => {
    const plan = planJob({ via: ['login'], slurm: '-p normal', run: 'serve' }, app, TEMPLATE, '/s');
    const text = jobDryRun(plan, ['ssh ... NODE']).join('\n');
    expect(text).toMatch(
      /# the batch script[\s\S]*# {3}#!\/bin\/sh[\s\S]*sbatch --parsable[\s\S]*< job\.sh\n# follow it[\s\S]*squeue[\s\S]*dir=\/tmp\/tnl-job-1[\s\S]*ssh \.\.\. NODE\n# on the way down[\s\S]*scancel JOBID/,
    );
    expect(text).not.toContain('port=PORT');
  });
  it('--dry-run of an app that waits for its port (pvserver) shows the step that tells the job the port', () => {
    const plan = planJob(
      { via: ['login'], slurm: '-t 5', run: 'pvserver' },
      { ...app, waitForPort: true },
      TEMPLATE,
      '/s',
    );
    expect(plan.waitForPort).toBe(true);
    const text = jobDryRun(plan, ['ssh ... -R 0:localhost:11111 NODE']).join('\n');
    expect(text).toMatch(
      /ssh \.\.\. -R 0:localhost:11111 NODE\n# once its -R is up, tell the job the port[^\n]*\nssh [^\n]* login [^\n]*port=PORT[^\n]*JOBID\.port\.tmp[^\n]*\n# on the way down/,
    );
    const json = jobDryRunJson(plan, ['ssh', 'NODE']) as { commands: { tellPort?: string[] } };
    expect(json.commands.tellPort!.at(-1)).toContain('port=PORT');
    expect(
      (
        jobDryRunJson(planJob({ via: ['login'], slurm: '-t 5', run: 'x' }, app, TEMPLATE, '/s'), undefined) as {
          commands: object;
        }
      ).commands,
    ).not.toHaveProperty('tellPort');
  });
});

describe('jobDryRunJson', () => {
  it('script, the ssh argv of each step with placeholders, and the tunnel', () => {
    const plan = planJob({ via: ['login'], slurm: '-t 5', run: 'serve' }, app, TEMPLATE, '/s');
    const json = jobDryRunJson(plan, ['ssh', 'NODE']) as {
      script: string;
      commands: Record<string, string[] | null>;
      tunnel: string[];
    };
    expect(json.script).toContain('#!/bin/sh');
    expect(json.commands.submit!.at(-1)).toContain('sbatch --parsable');
    expect(json.commands.poll!.at(-1)).toContain('squeue -h -t all -j JOBID');
    expect(json.commands.cancel!.at(-1)).toContain('scancel JOBID');
    expect(json.tunnel).toEqual(['ssh', 'NODE']);
    const attached = jobDryRunJson(
      planJob({ via: ['login'], job: '9', local: ['1:/s'] }, undefined, TEMPLATE, '/s'),
      undefined,
    ) as { commands: Record<string, unknown> };
    expect(attached.commands).toMatchObject({ submit: null, cancel: null });
  });
});

describe('slurm() through a fake login runner', () => {
  const host = {
    via: [],
    login: { user: undefined, host: 'login', port: undefined },
    sshConfig: undefined,
    connectTimeout: 5,
    batchMode: true,
    controlPath: undefined,
  };
  const runner = (result: { exitCode: number; stdout?: string; stderr?: string }) => {
    const seen: Array<{ argv: readonly string[]; input?: string }> = [];
    return {
      seen,
      run: async (argv: readonly string[], o: { input?: string } = {}) => (
        seen.push({ argv, input: o.input }),
        { stdout: '', stderr: '', timedOut: false, ...result }
      ),
    };
  };
  it('submit pipes the script to sbatch and returns the id', async () => {
    const r = runner({ exitCode: 0, stdout: '12\n' });
    expect(
      await slurm({ host, sbatch: ['-p', 'normal'], jobName: 'tnl-job', run: r.run }).submit('#!/bin/sh\n'),
    ).toEqual({ id: '12', reused: false });
    expect(r.seen[0]!.input).toBe('#!/bin/sh\n');
    expect(r.seen[0]!.argv.at(-1)).toMatch(/^exec \/bin\/sh -c '.*sbatch --parsable --job-name=tnl-job .* -p normal'$/);
  });
  it.each([
    [
      255,
      'sbatch: unrecognized option \'--bogus\'\nTry "sbatch --help" for more information',
      "sbatch on login refused the job: sbatch: unrecognized option '--bogus'",
      'JOB_REFUSED',
    ],
    [
      1,
      'sbatch: error: invalid partition specified: nope\nsbatch: error: Batch job submission failed: Invalid partition name specified',
      'sbatch on login refused the job: sbatch: error: invalid partition specified: nope',
      'JOB_REFUSED',
    ],
    [
      255,
      'ssh: connect to host login port 22: Connection refused',
      'cannot run Slurm commands on login: ssh: connect to host login port 22: Connection refused',
      'CONNECT_FAILED',
    ],
  ])('exit %i -> one line', async (exitCode, stderr, message, code) => {
    const r = runner({ exitCode, stderr });
    await expect(slurm({ host, sbatch: [], jobName: 'j', run: r.run }).submit('x')).rejects.toMatchObject({
      message,
      code,
    });
  });
  it.each<[string, { exitCode: number | null; stderr: string; timedOut: boolean }, string, string]>([
    [
      'a slow sbatch cut off at the deadline',
      { exitCode: null, stderr: '', timedOut: true },
      '13\n',
      'sbatch on login timed out; job 13 it had queued was cancelled',
    ],
    [
      'the link dropped after the script was sent',
      { exitCode: 255, stderr: 'Connection to login closed by remote host.', timedOut: false },
      '13\n',
      'cannot run Slurm commands on login: Connection to login closed by remote host.; job 13 it had queued was cancelled',
    ],
    [
      'cut off before sbatch queued anything',
      { exitCode: null, stderr: '', timedOut: true },
      '',
      'sbatch on login timed out; nothing was queued',
    ],
  ])('submit %s: what it queued is found by its tag and cancelled', async (_what, cut, found, message) => {
    const seen: string[] = [];
    const run = async (argv: readonly string[]) => {
      const script = argv.at(-1) ?? '';
      seen.push(
        /sbatch/.test(script)
          ? 'sbatch'
          : /squeue/.test(script)
            ? 'lookup'
            : /scancel/.test(script)
              ? 'scancel'
              : script,
      );
      if (/sbatch/.test(script)) return { stdout: '', ...cut };
      return { exitCode: 0, stdout: /squeue/.test(script) ? found : '', stderr: '', timedOut: false };
    };
    await expect(slurm({ host, sbatch: [], jobName: 'j', run, tag: 'tnl-run1' }).submit('x')).rejects.toMatchObject({
      message,
    });
    expect(seen).toEqual(found === '' ? ['sbatch', 'lookup'] : ['sbatch', 'lookup', 'scancel']);
  });
  it('the submit carries its tag as --comment; the lookup matches only that tag', () => {
    const commands = slurmCommands({ host, sbatch: ['-t', '5'], jobName: 'j', tag: 'tnl-run1' });
    expect(commands.submit.at(-1)).toMatch(/--comment=tnl-run1 /);
    expect(commands.tagged('tnl-run1').at(-1)).toMatch(/\[ "\$k" = tnl-run1 \] && echo "\$i"/);
    expect(slurmCommands({ host, sbatch: [], jobName: 'j' }).submit.at(-1)).not.toMatch(/--comment/);
  });
  it("poll of an unknown job is NOT_FOUND with squeue's words", async () => {
    const r = runner({
      exitCode: 0,
      stdout: '--tnl-me--\nu\n--tnl-squeue--\n\n--tnl-scontrol--\n--tnl-notes--\n',
      stderr: 'slurm_load_jobs error: Invalid job id specified\nslurm_load_jobs error: Invalid job id specified',
    });
    await expect(slurm({ host, sbatch: [], jobName: 'j', run: r.run }).poll('99')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'no Slurm job 99 on login: slurm_load_jobs error: Invalid job id specified',
    });
  });
  it('cancel failing says how to cancel by hand', async () => {
    const r = runner({ exitCode: 210, stderr: 'scancel: error: Kill job error on job id 4: Access/permission denied' });
    await expect(slurm({ host, sbatch: [], jobName: 'j', run: r.run }).cancel('4')).rejects.toThrow(
      'scancel 4 on login failed: scancel: error: Kill job error on job id 4: Access/permission denied; cancel it with: ssh login scancel 4',
    );
  });
});

describe('formatTimeLeft', async () => {
  const { formatTimeLeft } = await import('../../../src/cli/job-report.js');
  it.each([
    [0, '0:00'],
    [59, '0:59'],
    [3598, '59:58'],
    [3600, '1:00:00'],
    [90061, '25:01:01'],
    [null, 'no limit'],
  ])('%j -> %s', (s, text) => {
    expect(formatTimeLeft(s)).toBe(text);
  });
});
