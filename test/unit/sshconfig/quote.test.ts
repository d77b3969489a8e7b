import { describe, expect, it } from 'vitest';
import { escapePercent, quoteConfigValue } from '../../../src/sshconfig/quote.js';

describe('quoteConfigValue', () => {
  it.each([
    ['plain', 'isolated-node', 'isolated-node'],
    ['path with tokens', '~/.ssh/cm-%C', '~/.ssh/cm-%C'],
    ['ipv6 forward half', '[::1]:8080', '[::1]:8080'],
    ['space', '/tmp/a b.sock', '"/tmp/a b.sock"'],
    ['double quote', 'a"b', '"a\\"b"'],
    ['backslash', 'C:\\x', '"C:\\\\x"'],
    ['leading hash (would start a comment)', '#x', '"#x"'],
    ['equals (a key=value separator)', '=x', '"=x"'],
    ['single quote', "it's", '"it\'s"'],
    ['empty', '', '""'],
    ['tab', 'a\tb', null],
    ['newline (a second directive)', 'evil\n  ProxyCommand sh', null],
    ['carriage return', 'x\r', null],
    ['NUL', 'x\u0000', null],
    ['DEL', 'x\u007f', null],
  ])('%s', (_, value, expected) => {
    if (expected === null) {
      expect(() => quoteConfigValue(value, 'User')).toThrow(
        expect.objectContaining({ code: 'BAD_SPEC', field: 'User' }),
      );
    } else {
      expect(quoteConfigValue(value, 'User')).toBe(expected);
    }
  });
});

describe('escapePercent', () => {
  it.each([
    ['no tokens', '/tmp/kh', '/tmp/kh'],
    ['literal percent', '/tmp/100%', '/tmp/100%%'],
    ['two', 'a%b%c', 'a%%b%%c'],
  ])('%s', (_, value, expected) => expect(escapePercent(value)).toBe(expected));
});
