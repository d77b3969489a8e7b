import { describe, expect, it } from 'vitest';
import {
  ensureInclude,
  hasGlobalInclude,
  includeLine,
  isOurInclude,
  redirectInclude,
} from '../../../src/sshconfig/include.js';

const PATHS = ['config.d/tunnel.conf', '~/.ssh/config.d/tunnel.conf', '/home/me/.ssh/config.d/tunnel.conf'];
const LINE = 'Include config.d/tunnel.conf';

describe('includeLine', () => {
  it.each([
    ['relative', 'config.d/tunnel.conf', 'Include config.d/tunnel.conf'],
    ['absolute', '/tmp/t/config.d/tunnel.conf', 'Include /tmp/t/config.d/tunnel.conf'],
    ['with a space', '/tmp/a b/tunnel.conf', 'Include "/tmp/a b/tunnel.conf"'],
  ])('%s', (_, target, expected) => expect(includeLine(target)).toBe(expected));
});

describe('isOurInclude', () => {
  it.each([
    ['relative', 'Include config.d/tunnel.conf', true],
    ['case and indent', '  include   config.d/tunnel.conf', true],
    ['key=value form', 'Include=config.d/tunnel.conf', true],
    ['tilde', 'Include ~/.ssh/config.d/tunnel.conf', true],
    ['absolute', 'Include /home/me/.ssh/config.d/tunnel.conf', true],
    ['quoted', 'Include "config.d/tunnel.conf"', true],
    ['among others', 'Include other.conf config.d/tunnel.conf', true],
    ['CRLF', 'Include config.d/tunnel.conf\r', true],
    ['another file', 'Include config.d/other.conf', false],
    ['a glob (not ours by name)', 'Include config.d/*', false],
    ['commented out', '# Include config.d/tunnel.conf', false],
    ['not an Include', 'IncludeX config.d/tunnel.conf', false],
  ])('%s', (_, line, expected) => expect(isOurInclude(line, PATHS)).toBe(expected));
});

describe('hasGlobalInclude / ensureInclude', () => {
  it.each([
    ['missing file', '', `${LINE}\n`],
    ['only Host blocks', 'Host a\n  User x\n', `${LINE}\nHost a\n  User x\n`],
    ['leading comments stay below our line, untouched', '# mine\n\nHost a\n', `${LINE}\n# mine\n\nHost a\n`],
    ['already included at the top', `# c\n${LINE}\nHost a\n`, `# c\n${LINE}\nHost a\n`],
    ['included only inside a Host block: not global, add ours', `Host a\n  ${LINE}\n`, `${LINE}\nHost a\n  ${LINE}\n`],
    ['included after a Match', `Match all\n${LINE}\n`, `${LINE}\nMatch all\n${LINE}\n`],
    ['CRLF file keeps CRLF', 'Host a\r\n  User x\r\n', `${LINE}\r\nHost a\r\n  User x\r\n`],
    ['no trailing newline stays as it was', 'Host a\n  User x', `${LINE}\nHost a\n  User x`],
    [
      'global options before Host: ours goes first (first value wins)',
      'ServerAliveInterval 60\nHost a\n',
      `${LINE}\nServerAliveInterval 60\nHost a\n`,
    ],
  ])('%s', (_, config, expected) => {
    const after = ensureInclude(config, PATHS, LINE);
    expect(after).toBe(expected);
    expect(after.endsWith(config)).toBe(true);
    expect(hasGlobalInclude(after, PATHS)).toBe(true);
    expect(ensureInclude(after, PATHS, LINE)).toBe(after);
  });
});

describe('redirectInclude', () => {
  it('points every Include of ours at the candidate and leaves other lines alone', () => {
    const config = `${LINE}\nHost a\n  Include ~/.ssh/config.d/tunnel.conf\nInclude other\r\n`;
    expect(redirectInclude(config, PATHS, 'Include /tmp/cand')).toBe(
      'Include /tmp/cand\nHost a\nInclude /tmp/cand\nInclude other\r\n',
    );
  });
});
