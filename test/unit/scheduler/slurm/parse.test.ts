import { describe, expect, it } from 'vitest';
import { firstHost } from '../../../../src/scheduler/slurm/hostlist.js';
import {
  isTerminal,
  parseDuration,
  parseJobId,
  parsePoll,
  parseSbatch,
  parseScontrol,
  parseSqueueLine,
  slurmMessage,
} from '../../../../src/scheduler/slurm/parse.js';

describe('firstHost (Slurm hostlists)', () => {
  it.each([
    ['isolated-node', 'isolated-node'],
    ['node[1-3]', 'node1'],
    ['node[01-03,7]', 'node01'],
    ['node[7,1-3]', 'node7'],
    ['gpu[1-2]-ib[3-4]', 'gpu1-ib3'],
    ['n1,n2', 'n1'],
    ['rack[2-3]n[01-04],login', 'rack2n01'],
    ['', undefined],
    ['(null)', undefined],
    ['None assigned', undefined],
    ['node[1-3', undefined],
  ])('%j -> %j', (list, first) => expect(firstHost(list)).toBe(first));
});

describe('parseDuration', () => {
  it.each([
    ['4:55', 295],
    ['59:58', 3598],
    ['1:00:00', 3600],
    ['00:05:00', 300],
    ['2-03:04:05', 2 * 86400 + 3 * 3600 + 4 * 60 + 5],
    ['UNLIMITED', null],
    ['NOT_SET', null],
    ['INVALID', null],
    ['', null],
  ])('%j -> %j', (text, seconds) => expect(parseDuration(text)).toBe(seconds));
});

describe('parseSqueueLine (real 22.05 output, format %i|%u|%T|%r|%N|%L)', () => {
  it.each([
    [
      '2|tunnelu|RUNNING|None|isolated-node|4:55',
      {
        id: '2',
        user: 'tunnelu',
        state: 'RUNNING',
        reason: '',
        node: 'isolated-node',
        timeLeft: 295,
        running: true,
        terminal: false,
      },
    ],
    [
      '3|tunnelu|PENDING|Resources||UNLIMITED',
      {
        id: '3',
        state: 'PENDING',
        reason: 'Resources',
        node: undefined,
        timeLeft: null,
        running: false,
        terminal: false,
      },
    ],
    ['2|tunnelu|CANCELLED|None|isolated-node|4:54', { state: 'CANCELLED', running: false, terminal: true }],
    ['9|u|TIMEOUT|TimeLimit|node[1-2]|0:00', { state: 'TIMEOUT', reason: 'TimeLimit', node: 'node1', terminal: true }],
    ['9|u|CONFIGURING|None|node1|1:00', { running: false, terminal: false }],
    ['9|u|REQUEUED|BeginTime||1:00', { running: false, terminal: false }],
    ['12_3|u|RUNNING|None|n1|1:00', { id: '12_3', running: true }],
  ])('%s', (line, expected) => expect(parseSqueueLine(line)).toMatchObject(expected));
  it.each(['', 'slurm_load_jobs error: Invalid job id specified', '1|2|3', 'x|u|RUNNING|None|n|1:00'])(
    '%j is not a job line',
    (line) => {
      expect(parseSqueueLine(line)).toBeUndefined();
    },
  );
});

const SCONTROL = `JobId=2 JobName=wrap
   UserId=tunnelu(1001) GroupId=tunnelu(1001) MCS_label=N/A
   JobState=CANCELLED Reason=None Dependency=(null)
   RunTime=00:00:06 TimeLimit=00:05:00 TimeMin=N/A
   NodeList=isolated-node
   BatchHost=isolated-node
   Command=(null)`;

describe('parseScontrol', () => {
  it('reads state, node, user and time left from a real record', () => {
    expect(parseScontrol(SCONTROL)).toEqual({
      id: '2',
      state: 'CANCELLED',
      reason: '',
      node: 'isolated-node',
      timeLeft: 294,
      user: 'tunnelu',
      terminal: true,
      running: false,
    });
  });
  it('a pending job has no node and a reason', () => {
    const pending =
      'JobId=5 JobName=x\n   UserId=me(1) GroupId=me(1)\n   JobState=PENDING Reason=Priority Dependency=(null)\n   RunTime=00:00:00 TimeLimit=UNLIMITED\n   NodeList=(null)';
    expect(parseScontrol(pending)).toMatchObject({
      state: 'PENDING',
      reason: 'Priority',
      node: undefined,
      timeLeft: null,
      user: 'me',
    });
  });
  it('nothing recognisable -> undefined', () =>
    expect(parseScontrol('slurm_load_jobs error: Invalid job id specified')).toBeUndefined());
});

describe('parsePoll', () => {
  it('squeue line, notes and who we are', () => {
    const out =
      '--tnl-me--\ntunnelu\n--tnl-squeue--\n7|tunnelu|RUNNING|None|isolated-node|59:58\n--tnl-notes--\nstate=ready\nnode=isolated-node\nsocket=/tmp/tnl-jupyter-abc/jupyter.sock\n';
    expect(parsePoll(out)).toEqual({
      me: 'tunnelu',
      job: expect.objectContaining({ id: '7', node: 'isolated-node', running: true }),
      notes: { state: 'ready', node: 'isolated-node', socket: '/tmp/tnl-jupyter-abc/jupyter.sock' },
    });
  });
  it('falls back to scontrol when squeue has forgotten the job', () => {
    const out = `--tnl-me--\ntunnelu\n--tnl-squeue--\n\n--tnl-scontrol--\n${SCONTROL}\n--tnl-notes--\n`;
    expect(parsePoll(out).job).toMatchObject({ id: '2', state: 'CANCELLED' });
  });
  it('an unknown job has no job', () => {
    expect(parsePoll('--tnl-me--\nu\n--tnl-squeue--\n\n--tnl-scontrol--\n--tnl-notes--\n').job).toBeUndefined();
  });
});

describe('sbatch output and messages', () => {
  it.each([
    ['12345\n', { id: '12345', reused: false }],
    ['77;cluster\n', { id: '77', reused: false }],
    ['reuse 42\n', { id: '42', reused: true }],
    ['', undefined],
    ['Submitted batch job 5\n', undefined],
    ['reuse \n', undefined],
  ])('parseSbatch(%j) = %j', (out, id) => {
    expect(parseSbatch(out)).toEqual(id);
  });
  it.each([
    [
      'sbatch: unrecognized option \'--bogus\'\nTry "sbatch --help" for more information\n',
      "sbatch: unrecognized option '--bogus'",
    ],
    [
      'sbatch: error: invalid partition specified: nope\nsbatch: error: Batch job submission failed: Invalid partition name specified\n',
      'sbatch: error: invalid partition specified: nope',
    ],
    ['sbatch: error: Invalid --time specification\n', 'sbatch: error: Invalid --time specification'],
    [
      'scancel: error: Kill job error on job id 4: Access/permission denied\n',
      'scancel: error: Kill job error on job id 4: Access/permission denied',
    ],
    ['', 'fallback'],
  ])('slurmMessage(%j)', (stderr, line) => expect(slurmMessage(stderr, 'fallback')).toBe(line));
});

describe('states and ids', () => {
  it.each([
    ['COMPLETED', true],
    ['CANCELLED', true],
    ['TIMEOUT', true],
    ['NODE_FAIL', true],
    ['COMPLETING', true],
    ['PENDING', false],
    ['RUNNING', false],
    ['REQUEUED', false],
    ['SUSPENDED', false],
  ])('isTerminal(%s) = %s', (state, terminal) => {
    expect(isTerminal(state)).toBe(terminal);
  });
  it.each(['12', '12_3'])('%s is a job id', (id) => expect(parseJobId(id)).toBe(id));
  it.each(['', 'abc', '12;rm -rf ~', '-1', '1 2'])('%j is refused', (id) =>
    expect(() => parseJobId(id)).toThrow(/expected a Slurm job id/),
  );
});
