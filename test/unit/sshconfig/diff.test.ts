import { describe, expect, it } from 'vitest';
import { renderLineDiff } from '../../../src/sshconfig/diff.js';

describe('renderLineDiff', () => {
  it.each([
    ['identical', 'a\nb\n', 'a\nb\n', []],
    ['line added at the top', 'Host x\n', 'Include y\nHost x\n', ['--- f', '+++ f', '@@ -0,0 +1,1 @@', '+Include y']],
    ['new file', '', 'a\n', ['--- f', '+++ f', '@@ -0,0 +1,1 @@', '+a']],
    ['line replaced in the middle', 'a\nb\nc\n', 'a\nB\nc\n', ['--- f', '+++ f', '@@ -2,1 +2,1 @@', '-b', '+B']],
    ['line removed at the end', 'a\nb\n', 'a\n', ['--- f', '+++ f', '@@ -2,1 +1,0 @@', '-b']],
  ])('%s', (_, before, after, expected) => expect(renderLineDiff(before, after, 'f')).toEqual(expected));
});
