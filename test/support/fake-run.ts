import type { RunSsh, RunSshOptions, SshResult } from '../../src/ssh/run.js';

export interface FakeCall {
  argv: string[];
  options: RunSshOptions;
}

/**
 * A RunSsh that records every call in order and answers from `answer` (default: exit 0,
 * no output), so a unit test sees the argv and sequence an effect would hand to ssh.
 */
export function fakeRun(answer: (call: FakeCall, index: number) => Partial<SshResult> = () => ({})): {
  run: RunSsh;
  calls: FakeCall[];
} {
  const calls: FakeCall[] = [];
  const run: RunSsh = async (argv, options = {}) => {
    const call = { argv: [...argv], options };
    calls.push(call);
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...answer(call, calls.length - 1) };
  };
  return { run, calls };
}
