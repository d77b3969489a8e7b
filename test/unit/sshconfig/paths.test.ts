import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlPathFor, defaultSshDir, layoutFor } from '../../../src/sshconfig/paths.js';

describe('layoutFor', () => {
  it('the real ~/.ssh (passwd home, as OpenSSH uses) gets the relative Include', () => {
    const layout = layoutFor();
    expect(layout.sshDir).toBe(join(os.userInfo().homedir, '.ssh'));
    expect(layout.includeTarget).toBe('config.d/tunnel.conf');
    expect(layout.includePaths).toEqual([
      'config.d/tunnel.conf',
      '~/.ssh/config.d/tunnel.conf',
      join(defaultSshDir(), 'config.d/tunnel.conf'),
    ]);
    expect(controlPathFor(layout)).toBe('~/.ssh/cm-%C');
  });

  it.each([
    ['a temp dir', '/tmp/t', '/tmp/t/config.d/tunnel.conf'],
    ['relative input is made absolute', 'rel/dir', join(process.cwd(), 'rel/dir/config.d/tunnel.conf')],
    ['trailing slash', '/tmp/t/', '/tmp/t/config.d/tunnel.conf'],
  ])(
    'any other dir gets an absolute Include (ssh would resolve a relative one against ~/.ssh): %s',
    (_, dir, expected) => {
      const layout = layoutFor(dir);
      expect(layout.includeTarget).toBe(expected);
      expect(layout.includePaths).toEqual([expected]);
      expect(layout.tunnelConf).toBe(expected);
    },
  );

  it.each([
    ['glob', '/tmp/a*'],
    ['quote', '/tmp/"a'],
    ['newline', '/tmp/a\nInclude /etc'],
    ['backslash', '/tmp/a\\b'],
  ])('refuses a dir whose Include would mean something else: %s', (_, dir) =>
    expect(() => layoutFor(dir)).toThrow(expect.objectContaining({ code: 'BAD_OPTION', field: '--ssh-dir' })),
  );

  it.each([
    ['short dir: ControlPath beside the files', '/tmp/t', '/tmp/t/cm-%C'],
    ['too long for sun_path once %C expands', `/tmp/${'d'.repeat(70)}`, null],
  ])('controlPathFor: %s', (_, dir, expected) => {
    if (expected === null)
      expect(() => controlPathFor(layoutFor(dir))).toThrow(expect.objectContaining({ code: 'SOCKET_PATH_TOO_LONG' }));
    else expect(controlPathFor(layoutFor(dir))).toBe(expected);
  });
});
