import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findPreset, readTemplate } from '../../../src/presets/load.js';
import { renderWorkerScript, type WorkerScriptInput } from '../../../src/workqueue/worker-script.js';
import type { ReversePreset } from '../../../src/presets/types.js';

async function render(input: Partial<WorkerScriptInput>): Promise<string> {
  const preset = (await findPreset('workqueue')) as ReversePreset;
  return renderWorkerScript(preset, await readTemplate(preset.reverse.worker!.template), {
    name: 'wq',
    head: 'headnode',
    headPort: 40001,
    ...input,
  });
}

/** Runs bash on the script's assignments only (everything before the first function), printing the arrays. */
function evalAssignments(script: string): string {
  const head = script.slice(0, script.indexOf('\nlog() '));
  const r = spawnSync(
    'bash',
    [
      '-c',
      `${head}\nprintf '<%s>' "\${head_args[@]}" "|" "\${ssh_cmd[@]}" "|" "\${worker_prog[@]}" "\${worker_args[@]}" "|" "$head_port" "$slots"`,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

describe('renderWorkerScript', () => {
  it('renders valid bash for both schedulers', async () => {
    for (const scheduler of ['none', 'slurm']) {
      const r = spawnSync('bash', ['-n'], { input: await render({ scheduler, count: 3 }), encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it.each([
    ['none, one worker', { scheduler: 'none' }, [], /^# Run it with: bash THIS_FILE$/m, 1],
    ['none, side by side', { scheduler: 'none', count: 4 }, [], /starts 4 workers side by side/, 4],
    [
      'slurm, one job',
      { scheduler: 'slurm' },
      ['#SBATCH --job-name=wq', '#SBATCH --output=wq-%j.log'],
      /sbatch THIS_FILE/,
      1,
    ],
    [
      'slurm, job array',
      { scheduler: 'slurm', count: '8' },
      ['#SBATCH --job-name=wq', '#SBATCH --array=1-8', '#SBATCH --output=wq-%A_%a.log'],
      /sbatch/,
      1,
    ],
  ])('%s', async (_, input, directives, note, slots) => {
    const script = await render(input);
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    for (const line of directives) expect(script).toContain(`\n${line}\n`);
    if (directives.length === 0) expect(script).not.toMatch(/#SBATCH/);
    expect(script).toMatch(note);
    expect(script).toMatch(new RegExp(`^slots=${slots}$`, 'm'));
    expect(script).not.toMatch(/@@[A-Z_]+@@/);
  });

  it('keeps hostile values one argument each (ssh destination, -F path, worker args)', async () => {
    const script = await render({
      head: 'me@head-1:2222',
      sshConfig: "/tmp/a b;$(touch x)'.cfg",
      workerArgs: ['--cores', '4', 'a b;c', '$(id)', "it's"],
    });
    expect(evalAssignments(script)).toBe(
      '<-p><2222><me@head-1>' +
        '<|><ssh><-N><-T><-v><-o><ExitOnForwardFailure=yes><-o><ServerAliveInterval=10><-o><ServerAliveCountMax=3><-o><ConnectTimeout=10><-o><BatchMode=yes><-F>' +
        "</tmp/a b;$(touch x)'.cfg>" +
        "<|><work_queue_worker><--connect-timeout=1500><--min-backoff=1><--max-backoff=5><--cores><4><a b;c><$(id)><it's><|><40001><1>",
    );
  });

  it.each([
    ['the defaults', {}, 600, 1500],
    ['--forward-give-up 0 (one retry)', { forwardGiveUp: 0 }, 0, 900],
    ['--forward-give-up 3600', { forwardGiveUp: '3600' }, 3600, 4500],
  ])('gives the forward and the worker matching patience: %s', async (_, input, giveUp, connectTimeout) => {
    const script = await render(input);
    expect(script).toMatch(new RegExp(`^give_up=${giveUp}$`, 'm'));
    // The worker's clock runs while it is paused for its forward: it keeps its own 900 s on top.
    expect(script).toMatch(/^worker_prog=\(work_queue_worker\)$/m);
    expect(script).toMatch(
      new RegExp(`^worker_args=\\(--connect-timeout=${connectTimeout} --min-backoff=1 --max-backoff=5 \\)$`, 'm'),
    );
  });

  it('pauses the worker while its port has no listener of ours, and resumes it once the forward is back', async () => {
    const script = await render({});
    expect(script).toMatch(/kill -STOP "\$worker_pid"[\s\S]*reopen_forward\n[\s\S]*kill -CONT "\$worker_pid"/);
    // Replaced or cleaned up while paused, it is killed outright (continued, it would try the port once more).
    expect(script).toMatch(/if \[ -n "\$paused" \]; then\n\s+kill -KILL "\$worker_pid"/);
    // A stopped child gets its TERM only once continued: cleanup must continue it.
    expect(script).toMatch(/kill "\$1" 2>\/dev\/null && \{ kill -CONT "\$1"/);
  });

  it('traps TERM as well as EXIT, so scancel cleans up', async () => {
    const script = await render({});
    expect(script).toMatch(/trap cleanup_slot EXIT\n\s+trap 'leave 143' TERM/);
    expect(script).toMatch(/trap stop_slots EXIT\ntrap 'leave 143' TERM/);
    expect(script.split('\n').filter((l) => /\bexit\b/.test(l) && !l.trimStart().startsWith('#'))).toEqual([
      'leave() { trap \'\' TERM INT HUP; exit "$1"; }',
    ]);
  });

  it('a second signal while the EXIT trap runs does not cut the cleanup short (leave ignores it first)', async () => {
    const script = await render({});
    const leave = script.split('\n').find((l) => l.startsWith('leave() '))!;
    // The cleanup sleeps; a TERM lands in it. With a plain `exit 143` trap, "cleaned" never prints.
    const body = `${leave}\ntrap 'sleep 0.4; echo cleaned' EXIT\ntrap 'leave 143' TERM\n(sleep 0.2; kill -TERM $$) &\nleave 0`;
    const r = spawnSync('bash', ['-c', body], { encoding: 'utf8', timeout: 5000 });
    expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: 'cleaned\n' });
  });

  it.each([
    [{ scheduler: 'pbs' }, /--scheduler 'pbs': expected slurm or none/],
    [{ count: 0 }, /--count '0': expected a whole number from 1 to 10000/],
    [{ headPort: 'x' }, /--head-port 'x': expected a whole number/],
    [{ name: 'a;b' }, /NAME 'a;b': expected 1-63 letters/],
    [{ head: '-oProxyCommand=x' }, /--head '-oProxyCommand=x': a host may not start with '-'/],
    [{ sshConfig: '-x' }, /--ssh-config '-x': expected a file path/],
    [{ forwardGiveUp: -1 }, /--forward-give-up '-1': expected a whole number from 0 to 604800/],
    [{ forwardGiveUp: '1;id' }, /--forward-give-up '1;id': expected a whole number/],
  ])('rejects %j', async (input, message) => {
    await expect(render(input)).rejects.toThrow(message);
  });
});
