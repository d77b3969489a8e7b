import { describe, expect, it } from 'vitest';
import { formatHop, parseHop, parseHopList } from '../../../src/model/hop.js';

describe('parseHop', () => {
  it.each([
    ['login', { user: undefined, host: 'login', port: undefined }],
    ['me@login.cluster.edu', { user: 'me', host: 'login.cluster.edu', port: undefined }],
    ['me@login:2222', { user: 'me', host: 'login', port: 2222 }],
    ['[::1]:22', { user: undefined, host: '::1', port: 22 }],
    ['root@[fd00::2]', { user: 'root', host: 'fd00::2', port: undefined }],
    ['node_7', { user: undefined, host: 'node_7', port: undefined }],
  ])('%s', (text, hop) => {
    expect(parseHop(text)).toEqual(hop);
    expect(formatHop(parseHop(text))).toBe(text);
  });

  it.each([
    ['', /empty host/],
    ['-oProxyCommand=touch /tmp/x', /may not start with '-'/],
    ['login;id', /may only contain/],
    ['log in', /may only contain/],
    ['lögin', /may only contain/],
    ['login\u0007', /may only contain/],
    ['me@login:0', /out of range/],
    ['me@login:99999', /out of range/],
    ['::1', /need brackets/],
    ['[::1', /unbalanced/],
    ['bad user@login', /characters ssh users cannot have/],
    ['$(id)@login', /characters ssh users cannot have/],
  ])('rejects %j', (text, message) => {
    expect(() => parseHop(text)).toThrow(message);
  });
});

describe('parseHopList', () => {
  it('keeps order across repeats and commas', () => {
    expect(parseHopList(['gw1,gw2', 'me@gw3:22']).map(formatHop)).toEqual(['gw1', 'gw2', 'me@gw3:22']);
  });
  it('rejects empty entries and spaces', () => {
    expect(() => parseHopList(['gw1,,gw2'])).toThrow(/empty host/);
    expect(() => parseHopList(['gw1, gw2'])).toThrow(/spaces/);
  });
});
