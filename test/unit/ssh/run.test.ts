import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSsh } from '../../../src/ssh/run.js';

// The real runner's contract, checked on /bin/sh (no network): what every ssh run relies on.
describe('runSsh, the one run-to-completion door', () => {
  it('returns exit code and both outputs, and closes stdin when given no input', async () => {
    const result = await runSsh(['/bin/sh', '-c', 'cat; echo out; echo err >&2; exit 3']);
    expect(result).toMatchObject({ exitCode: 3, stdout: 'out', stderr: 'err', timedOut: false, notFound: false });
  });

  it('writes input to stdin', async () => {
    expect((await runSsh(['/bin/sh', '-c', 'cat'], { input: '#!/bin/sh\nsleep 1\n' })).stdout).toBe(
      '#!/bin/sh\nsleep 1',
    );
  });

  it('hands over each stdout line as it arrives and still returns stdout whole', async () => {
    const lines: string[] = [];
    const result = await runSsh(['/bin/sh', '-c', 'echo one; echo two'], { onLine: (line) => lines.push(line) });
    expect(lines).toEqual(['one', 'two']);
    expect(result.stdout).toBe('one\ntwo');
  });

  it('kills at the deadline and says so', async () => {
    const started = Date.now();
    const result = await runSsh(['/bin/sh', '-c', 'exec sleep 30'], { timeoutMs: 200 });
    expect(result).toMatchObject({ exitCode: null, timedOut: true });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('is cancelled by its signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await runSsh(['/bin/sh', '-c', 'exec sleep 30'], { signal: controller.signal });
    expect(result.exitCode).toBeNull();
    expect(result.timedOut).toBe(false);
  });

  it('sends stderr to a file descriptor (ssh -f keeps its stdio open)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tnl-run-'));
    try {
      const log = await open(join(dir, 'log'), 'a', 0o600);
      const result = await runSsh(['/bin/sh', '-c', 'echo to-log >&2; echo gone'], { stderrFd: log.fd });
      await log.close();
      expect(result).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
      expect(await readFile(join(dir, 'log'), 'utf8')).toBe('to-log\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a program that is not installed as notFound', async () => {
    expect(await runSsh(['/nonexistent/ssh', '-V'])).toMatchObject({ exitCode: null, notFound: true });
  });
});
