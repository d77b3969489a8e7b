import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { splitSbatchOptions } from '../../../../src/scheduler/slurm/options.js';
import { renderJobScript } from '../../../../src/scheduler/slurm/script.js';
import { cancelScript, followScript, pollScript, submitScript } from '../../../../src/scheduler/slurm/commands.js';

const TEMPLATE = readFileSync(new URL('../../../../templates/slurm/job.sh', import.meta.url), 'utf8');

describe('splitSbatchOptions', () => {
  it.each([
    ['-p normal -t 1:00:00 -c 4', ['-p', 'normal', '-t', '1:00:00', '-c', '4']],
    ['  --partition=normal   --time=5 ', ['--partition=normal', '--time=5']],
    [`--comment "two words" -J 'it''s'`, ['--comment', 'two words', '-J', 'its']],
    ['--comment=$(reboot) -J `id`', ['--comment=$(reboot)', '-J', '`id`']],
    ['', []],
  ])('%j', (text, words) => expect(splitSbatchOptions(text)).toEqual(words));
  it.each([
    ['--wrap hostname', /--wrap is not allowed/],
    ['--array=1-4', /--array is not allowed/],
    ['-W', /-W is not allowed/],
    ['--parsable', /--parsable is not allowed/],
    ['-p "normal', /unbalanced "/],
    ['-p normal\n-t 1', /control characters/],
    ['hostname', /is not an option/],
  ])('%j is refused', (text, message) => expect(() => splitSbatchOptions(text)).toThrow(message));
});

describe('renderJobScript', () => {
  const input = {
    title: 'test',
    dir: '/tmp/tnl-job-abc',
    socket: '',
    command: 'echo \'hi\' $HOME; touch "$TUNNEL_DIR/x"',
  };
  it('fills every placeholder, quoted, and the result is valid sh', () => {
    const script = renderJobScript(TEMPLATE, input);
    expect(script).not.toMatch(/\{(title|dir|socket|command)\}/);
    expect(script).toContain('TUNNEL_DIR=/tmp/tnl-job-abc\n');
    expect(script).toContain("TUNNEL_SOCKET=''\n");
    expect(script).toContain(`/bin/sh -c 'echo '\\''hi'\\'' $HOME; touch "$TUNNEL_DIR/x"' &`);
    expect(spawnSync('sh', ['-n'], { input: script }).status).toBe(0);
  });
  it('a title cannot break out of its comment line', () => {
    expect(renderJobScript(TEMPLATE, { ...input, title: 'x\nrm -rf ~' }).split('\n')[1]).toBe('# x rm -rf ~');
  });
  it.each([
    [{ dir: 'relative' }, /absolute path/],
    [{ dir: '/tmp/a b' }, /absolute path/],
    [{ dir: '/tmp/$(x)' }, /absolute path/],
    [{ dir: '/tmp/../etc' }, /absolute path/],
    [{ socket: '/elsewhere/s.sock' }, /must lie in/],
    [{ command: '  ' }, /expected a command/],
  ])('%j is refused', (patch, message) =>
    expect(() => renderJobScript(TEMPLATE, { ...input, ...patch })).toThrow(message),
  );
  it('a template without a placeholder is reported', () => {
    expect(() => renderJobScript('#!/bin/sh\n{dir} {socket} {command}\n', input)).toThrow(/no \{title\} placeholder/);
  });
});

describe('remote command lines', () => {
  it('submit: one line, options quoted, sbatch reads the script on stdin', () => {
    const line = submitScript(['-p', 'normal', '--comment', "it's $(x)"], 'tnl-nb');
    expect(line).not.toMatch(/[\n!]/);
    expect(line).toContain(
      `exec sbatch --parsable --job-name=tnl-nb --output="$HOME/.tunnel/jobs"/%j.out -p normal --comment 'it'\\''s $(x)'`,
    );
    expect(spawnSync('sh', ['-n', '-c', line]).status).toBe(0);
  });
  it('submit with reuse: a job of ours with the same name still queued or running is reused', () => {
    const line = submitScript([], 'tnl-nb', true);
    expect(line).toMatch(
      /^o=\$\(squeue -h -u "\$\(id -un\)" -n tnl-nb -t PENDING,CONFIGURING,RUNNING -o %i .*echo "reuse \$o"; exit 0; fi; mkdir/,
    );
    expect(line).not.toMatch(/[\n!]/);
    expect(spawnSync('sh', ['-n', '-c', line]).status).toBe(0);
    expect(submitScript([], 'tnl-job')).not.toContain('reuse');
  });
  it('poll and cancel are single lines that sh accepts', () => {
    for (const line of [
      pollScript('12'),
      cancelScript('12'),
      followScript('12', { notes: '/tmp/tnl-job-1', seconds: 120, maxPollSeconds: 5 }),
    ]) {
      expect(line).not.toMatch(/[\n!]/);
      expect(spawnSync('sh', ['-n', '-c', line]).status).toBe(0);
    }
    expect(pollScript('12')).toContain('squeue -h -t all -j 12 -o "%i|%u|%T|%r|%N|%L"');
  });
  it('follow: exits on RUNNING with the app ready (or at once without notes), keeps watching PENDING', () => {
    expect(followScript('12', { notes: '/tmp/tnl-job-1', seconds: 60, maxPollSeconds: 5 })).toContain(
      `*"|RUNNING|"*) case "$n" in *dir=/tmp/tnl-job-1*) case "$n" in *state=ready*|*state=failed*) exit 0;; esac;; esac;;`,
    );
    expect(followScript('12', { notes: undefined, seconds: 60, maxPollSeconds: 5 })).toContain(
      `*"|RUNNING|"*) exit 0;;`,
    );
    expect(followScript('12', { notes: undefined, seconds: 60, maxPollSeconds: 7 })).toMatch(
      /\*"\|PENDING\|"\*\|.*\) ;; \*\) exit 0;;.*sleep 7; fi; done$/,
    );
  });
});
