import { describe, expect, it } from 'vitest';
import { parseJob } from '../../../src/scheduler/job-files.js';

describe('parseJob', () => {
  it('reads a recorded job', () => {
    expect(
      parseJob(
        '{"id":"12","scheduler":"slurm","what":"2 workers","cancel":["ssh","login","scancel 12"],"submittedAt":"t"}',
      ),
    ).toEqual({
      id: '12',
      scheduler: 'slurm',
      what: '2 workers',
      cancel: ['ssh', 'login', 'scancel 12'],
      submittedAt: 't',
    });
  });
  it("keeps a factory's kind (its id is the pid on the login node; down stops it rather than scancel)", () => {
    expect(
      parseJob(
        '{"id":"4242","scheduler":"slurm","kind":"factory","what":"work_queue_factory on login","cancel":["ssh","login","kill"],"submittedAt":"t"}',
      ),
    ).toEqual({
      id: '4242',
      scheduler: 'slurm',
      kind: 'factory',
      what: 'work_queue_factory on login',
      cancel: ['ssh', 'login', 'kill'],
      submittedAt: 't',
    });
  });
  // down runs `cancel`: anything but an ssh argv of strings is never run.
  it.each([
    ['not json'],
    ['null'],
    ['{"id":"../x","cancel":["ssh"]}'],
    ['{"id":"12","cancel":["rm","-rf","/"]}'],
    ['{"id":"12","cancel":["ssh",3]}'],
    ['{"id":"12","cancel":"ssh login scancel 12"}'],
  ])('skips %s', (text) => expect(parseJob(text)).toBeUndefined());
});
