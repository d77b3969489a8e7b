import { describe, expect, it } from 'vitest';
import { withoutBatchMode } from '../../../src/background/auth.js';

describe('withoutBatchMode', () => {
  it.each([
    [
      ['ssh', '-M', '-o', 'BatchMode=yes', '-J', 'login', 'node'],
      ['ssh', '-o', 'BatchMode=no', '-M', '-J', 'login', 'node'],
    ],
    [
      ['ssh', '-M', 'node'],
      ['ssh', '-o', 'BatchMode=no', '-M', 'node'],
    ],
    [
      ['ssh', '-o', 'batchmode=YES', '-o', 'ConnectTimeout=5', 'node'],
      ['ssh', '-o', 'BatchMode=no', '-o', 'ConnectTimeout=5', 'node'],
    ],
  ])('%j lets a person answer (BatchMode=no first, since ssh keeps the first value)', (argv, expected) => {
    expect(withoutBatchMode(argv)).toEqual(expected);
  });
});
