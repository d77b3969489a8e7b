import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tunnelDir } from '../../../src/os/state-paths.js';
import { redactTokens, takeSecretReport, writeSecretReport } from '../../../src/background/secrets.js';
import { useTempStateHome } from '../../support/state-home.js';

describe('redactTokens', () => {
  it.each<[string, unknown, unknown]>([
    ['a Jupyter URL', 'http://127.0.0.1:8888/lab?token=abc123', 'http://127.0.0.1:8888/lab?token=<redacted>'],
    ['a token among other parameters', 'http://h/?a=1&token=s3cr3t&b=2', 'http://h/?a=1&token=<redacted>&b=2'],
    ['a token ending at a space', 'open http://h/?token=xyz now', 'open http://h/?token=<redacted> now'],
    [
      'two URLs in one line',
      'http://a/?token=1 http://b/?token=2',
      'http://a/?token=<redacted> http://b/?token=<redacted>',
    ],
    ['a value that only looks alike (no ? or &)', 'mytoken=abc', 'mytoken=abc'],
    ['no token at all', 'http://h/?a=1', 'http://h/?a=1'],
    ['a token with a quote next to it stays valid JSON', 'x?token=ab"cd', 'x?token=<redacted>"cd'],
    [
      'a nested report',
      {
        lines: ['Jupyter: http://h/?token=abc'],
        json: { url: 'http://h/?token=abc', port: 8888, nested: [{ u: 'https://x/?q=1&token=zz' }] },
      },
      {
        lines: ['Jupyter: http://h/?token=<redacted>'],
        json: { url: 'http://h/?token=<redacted>', port: 8888, nested: [{ u: 'https://x/?q=1&token=<redacted>' }] },
      },
    ],
  ])('%s', (_what, value, redacted) => {
    expect(redactTokens(value)).toEqual(redacted);
  });

  it('leaves its argument untouched', () => {
    const report = { url: 'http://h/?token=abc' };
    redactTokens(report);
    expect(report.url).toBe('http://h/?token=abc');
  });
});

describe('writeSecretReport / takeSecretReport', () => {
  useTempStateHome('tnl-secrets-');
  const report = {
    lines: ['http://127.0.0.1:8888/lab?token=abc'],
    json: { url: 'http://127.0.0.1:8888/lab?token=abc' },
  };

  it('keeps the unredacted report 0600 until it is taken once; then it is gone from disk', async () => {
    await mkdir(tunnelDir('lab'), { recursive: true, mode: 0o700 });
    await writeSecretReport('lab', report);
    const [file] = await readdir(tunnelDir('lab'));
    expect(file).toBeDefined();
    expect((await stat(join(tunnelDir('lab'), file!))).mode & 0o777).toBe(0o600);
    expect(await takeSecretReport('lab')).toEqual(report);
    expect(await readdir(tunnelDir('lab'))).toEqual([]);
    expect(await takeSecretReport('lab')).toBeUndefined();
  });

  it('is undefined for a tunnel that never wrote one', async () => {
    expect(await takeSecretReport('nothing')).toBeUndefined();
  });
});
