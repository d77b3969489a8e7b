import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_INPUT_CASES, type BadInputCase } from '../fixtures/hardening/bad-input-cases.js';
import {
  CLI,
  makeSandbox,
  makeTripwire,
  mapPool,
  pidsWithMark,
  plant,
  removeDir,
  runInSandbox,
  snapshot,
  sshPids,
  type CliResult,
} from '../fixtures/hardening/cli-sandbox.js';

// Bad input through the real CLI: documented exit code, one stderr line naming the field,
// nothing written anywhere the tool could write, and no ssh started (by PATH or otherwise).

interface Outcome {
  result: CliResult;
  before: Record<string, string>;
  after: Record<string, string>;
  tripwireCalls: string[];
  markedSsh: number[];
}

const BATCH = 8;
const outcomes = new Map<string, Outcome>();
let commands = new Set<string>();
let tripwire: Awaited<ReturnType<typeof makeTripwire>> | undefined;
let elapsedMs = 0;

/** Subcommands this build lists in --help (a case whose command is missing fails). */
async function registeredCommands(): Promise<Set<string>> {
  const help = await execa(process.execPath, [CLI, '--help'], { reject: false, env: { NO_COLOR: '1' } });
  const lines = String(help.stdout).split('\n');
  const start = lines.findIndex((line) => line.startsWith('Commands:'));
  return new Set([
    '*',
    ...lines
      .slice(start + 1)
      .map((line) => line.trim().split(/[\s[<]/)[0]!)
      .filter(Boolean),
  ]);
}

async function runCase(c: BadInputCase, index: number): Promise<Outcome> {
  const box = await makeSandbox();
  const mark = `bad-${index}`;
  try {
    if (c.state !== undefined) await plant(box.state, c.state, { '{scratch}': box.scratch });
    const before = await snapshot(box.root);
    const result = await runInSandbox(c.args, box, { path: tripwire!.dir, mark });
    const after = await snapshot(box.root);
    return {
      result,
      before,
      after,
      tripwireCalls: await tripwire!.calls(mark),
      markedSsh: await pidsWithMark(await sshPids(), mark),
    };
  } finally {
    await removeDir(box.root);
  }
}

beforeAll(async () => {
  commands = await registeredCommands();
  tripwire = await makeTripwire();
  const runnable = BAD_INPUT_CASES.map((c, i) => [c, i] as const).filter(([c]) => commands.has(c.command));
  const started = Date.now();
  await mapPool(runnable, BATCH, async ([c, i]) => outcomes.set(c.id, await runCase(c, i)));
  elapsedMs = Date.now() - started;
}, 600_000);

afterAll(async () => {
  await removeDir(tripwire?.dir);
});

/** The planted state minus what `down` is expected to remove. */
function expectedAfter(c: BadInputCase, before: Record<string, string>): Record<string, string> {
  if (c.after !== 'removed') return before;
  return Object.fromEntries(Object.entries(before).filter(([path]) => !path.startsWith('state/tunnels/x')));
}

describe(`bad input through the CLI (${BAD_INPUT_CASES.length} cases, ${BATCH} at a time)`, () => {
  it('has a corpus of at least 100 cases with unique ids', () => {
    expect(BAD_INPUT_CASES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(BAD_INPUT_CASES.map((c) => c.id)).size).toBe(BAD_INPUT_CASES.length);
    expect(commands.has('up')).toBe(true);
  });

  it.for(BAD_INPUT_CASES)('$command: $id', (c) => {
    // A command that left --help must fail its cases: a skip would hide a removed (or renamed) command.
    expect(commands.has(c.command), `'${c.command}' is not in tunnel --help; fix or remove the case`).toBe(true);
    const outcome = outcomes.get(c.id);
    expect(outcome, 'case did not run').toBeDefined();
    const { result, before, after, tripwireCalls, markedSsh } = outcome!;
    const context = `args ${JSON.stringify(c.args)}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
    expect(result.timedOut, context).toBe(false);
    expect(result.exitCode, context).toBe(c.exit);
    if (c.exit === 0) {
      expect(result.stderr, context).toBe('');
    } else {
      const lines = result.stderr.replace(/\n$/, '').split('\n');
      expect(lines, context).toHaveLength(1);
      expect(lines[0], context).toContain(c.field);
      expect(lines[0], context).toMatch(c.expect);
      expect(lines[0], context).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]|\bat .*\.js:\d+/);
      if (c.command !== 'ls') expect(result.stdout, context).toBe('');
    }
    expect(after, context).toEqual(expectedAfter(c, before));
    expect(tripwireCalls, context).toEqual([]);
    expect(markedSsh, context).toEqual([]);
  });

  it('ran in a sane time', () => {
    // Reported rather than tight: the machine is shared. ~0.3 s of node start-up per case, 8 at a time.
    expect(elapsedMs).toBeLessThan(240_000);
  });
});
