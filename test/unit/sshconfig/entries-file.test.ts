import { describe, expect, it } from 'vitest';
import {
  FILE_HEADER,
  checkEntries,
  composeEntriesFile,
  declaredHostName,
  dropEntries,
  parseEntriesFile,
  upsertEntries,
  type Entry,
} from '../../../src/sshconfig/entries-file.js';

const a: Entry = { name: 'a', text: 'Host a\n  HostName 1.1.1.1\n' };
const b: Entry = { name: 'b', text: '# c\nHost b\n\n  HostName 2.2.2.2\n' };
const a2: Entry = { name: 'a', text: 'Host a\n  HostName 9.9.9.9\n' };

describe('composeEntriesFile / parseEntriesFile', () => {
  it.each([
    ['empty', []],
    ['one', [a]],
    ['two, blank line inside one', [a, b]],
  ])('round-trips byte for byte: %s', (_, entries) => {
    const text = composeEntriesFile(entries);
    expect(text.startsWith(FILE_HEADER)).toBe(true);
    expect(parseEntriesFile(text, 'f')).toEqual(entries);
    expect(composeEntriesFile(parseEntriesFile(text, 'f'))).toBe(text);
  });

  it('wraps each block in markers', () => {
    expect(composeEntriesFile([a])).toBe(
      `${FILE_HEADER}\n# >>> tunnel entry a\nHost a\n  HostName 1.1.1.1\n# <<< tunnel entry a\n`,
    );
  });

  it.each([
    ['begin without end', '# >>> tunnel entry a\nHost a\n'],
    ['end without begin', 'Host a\n# <<< tunnel entry a\n'],
    ['mismatched names', '# >>> tunnel entry a\n# <<< tunnel entry b\n'],
    ['nested begin', '# >>> tunnel entry a\n# >>> tunnel entry b\n'],
  ])('refuses a broken file: %s', (_, text) => {
    expect(() => parseEntriesFile(text, '/x/tunnel.conf')).toThrow(
      expect.objectContaining({ code: 'STATE_CORRUPT', message: expect.stringContaining('/x/tunnel.conf') }),
    );
  });
});

describe('upsertEntries / dropEntries', () => {
  it.each([
    ['append new', [a], [b], [a, b]],
    ['replace in place', [a, b], [a2], [a2, b]],
    ['same entry again: same list', [a, b], [a], [a, b]],
    ['into nothing', [], [a], [a]],
  ])('upsert: %s', (_, existing, updates, expected) => expect(upsertEntries(existing, updates)).toEqual(expected));

  it.each([
    ['one of two', [a, b], ['a'], [b]],
    ['unknown name', [a], ['zzz'], [a]],
    ['all', [a, b], ['a', 'b'], []],
  ])('drop: %s', (_, existing, names, expected) => expect(dropEntries(existing, names)).toEqual(expected));
});

describe('checkEntries', () => {
  it('adds a final newline', () =>
    expect(checkEntries([{ name: 'a', text: 'Host a' }])).toEqual([{ name: 'a', text: 'Host a\n' }]));

  it.each([
    ['hostile name', [{ name: 'a\nHost *', text: '' }], 'BAD_SPEC'],
    ['name with ..', [{ name: 'a..b', text: '' }], 'BAD_SPEC'],
    ['duplicate name', [a, a2], 'BAD_OPTION'],
    ['control character in text', [{ name: 'a', text: 'Host a\r\n' }], 'BAD_OPTION'],
    ['forged marker in text', [{ name: 'a', text: 'Host a\n# <<< tunnel entry a\nHost *\n' }], 'BAD_OPTION'],
  ])('refuses %s', (_, entries, code) => {
    expect(() => checkEntries(entries)).toThrow(expect.objectContaining({ code }));
  });
});

describe('declaredHostName', () => {
  it.each([
    ['plain', 'Host a\n  HostName 10.0.0.5\n', '10.0.0.5'],
    ['key=value', 'Host a\n  hostname=h.example\n', 'h.example'],
    ['quoted', 'Host a\n  HostName "h.example"\n', 'h.example'],
    ['escaped percent', 'Host a\n  HostName h%%1\n', 'h%1'],
    ['%-token: unknowable here', 'Host a\n  HostName %h.example\n', undefined],
    ['none', 'Host a\n  User x\n', undefined],
    ['ipv6', 'Host a\n  HostName ::1\n', '::1'],
  ])('%s', (_, text, expected) => expect(declaredHostName(text)).toBe(expected));
});
