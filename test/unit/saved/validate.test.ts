import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { keyForField, patchDefaults, toSavedTunnel, type SaveInput } from '../../../src/saved/validate.js';

describe('toSavedTunnel', () => {
  it.each<[string, SaveInput, object]>([
    ['keeps only what was given', { to: 'n', local: ['1:h:2'] }, { to: 'n', local: ['1:h:2'] }],
    ['splits comma-separated hops', { via: ['a,b', 'c'], local: ['1:h:2'] }, { via: ['a', 'b', 'c'] }],
    [
      'turns numeric strings into numbers',
      { to: 'n', local: ['1:h:2'], keepalive: '5', keepaliveCount: '2', connectTimeout: '7' },
      { keepalive: 5, keepaliveCount: 2, connectTimeout: 7 },
    ],
    [
      'makes -F absolute',
      { to: 'n', local: ['1:h:2'], sshConfig: 'cfg/ssh_config' },
      { sshConfig: resolve('cfg/ssh_config') },
    ],
    ['drops empty forward lists', { to: 'n', local: ['1:h:2'], remote: [] }, { local: ['1:h:2'] }],
    [
      'accepts a preset without forwards',
      { to: 'n', preset: 'jupyter', presetOptions: { port: 8888, lab: true } },
      { preset: 'jupyter', presetOptions: { port: 8888, lab: true } },
    ],
  ])('%s', (_name, input, expected) => {
    expect(toSavedTunnel(input)).toMatchObject(expected);
  });

  it.each<[SaveInput, RegExp, string | undefined]>([
    [{ local: ['1:h:2'] }, /--to: no target host/, '--to'],
    [{ to: 'n' }, /no forwards/, '-L'],
    [{ to: 'n', local: ['abc'] }, /-L 'abc'/, '-L'],
    [{ to: 'n', local: ['1:h:2'], strategy: 'teleport' }, /--strategy 'teleport'/, '--strategy'],
    [{ to: 'n', local: ['1:h:2'], keepalive: 'soon' }, /--keepalive 'soon'/, '--keepalive'],
    [{ to: 'n', local: ['1:h:2'], connectTimeout: 601 }, /--connect-timeout '601'/, '--connect-timeout'],
    [{ via: ['bad host'], local: ['1:h:2'] }, /--via 'bad host'/, '--via'],
    [{ to: '-oProxyCommand=x', local: ['1:h:2'] }, /--to/, '--to'],
    [{ to: 'n', local: ['1:h:2'], sshConfig: '-oX' }, /--ssh-config/, '--ssh-config'],
    [{ to: 'n', preset: '../x' }, /preset '..\/x'/, 'preset'],
    [{ to: 'n', preset: 'p', presetOptions: { a: {} as never } }, /presetOptions.a/, 'presetOptions'],
  ])('rejects %j', (input, message, field) => {
    const error = (() => {
      try {
        toSavedTunnel(input);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TunnelError);
    expect((error as TunnelError).message).toMatch(message);
    expect((error as TunnelError).field).toBe(field);
  });
});

describe('patchDefaults', () => {
  it.each([
    [{}, { keepalive: '30' }, { keepalive: 30 }],
    [{ keepalive: 30 }, { keepalive: null }, {}],
    [{ keepalive: 30 }, { connectTimeout: 5 }, { keepalive: 30, connectTimeout: 5 }],
    [{}, { via: 'a,b', localBind: '0.0.0.0' }, { via: ['a', 'b'], localBind: '0.0.0.0' }],
    [{ via: ['a'] }, { via: null }, {}],
  ])('%j + %j -> %j', (current, patch, expected) => {
    expect(patchDefaults(current, patch)).toEqual(expected);
  });

  it.each([
    [{ keepalive: 0 }, /--keepalive '0'/],
    [{ keepaliveCount: 101 }, /--keepalive-count/],
    [{ localBind: 'not a host' }, /localBind/],
    [{ via: ['x y'] }, /via/],
  ])('rejects %j', (patch, message) => {
    expect(() => patchDefaults({}, patch)).toThrow(message);
  });
});

describe('keyForField', () => {
  it.each([
    ['-L', 'local'],
    ['-R', 'remote'],
    ['--keepalive-count', 'keepaliveCount'],
    ['preset', 'preset'],
  ])('%s -> %s', (field, key) => {
    expect(keyForField(new TunnelError('BAD_SPEC', 'x', { field }))).toBe(key);
  });
});
