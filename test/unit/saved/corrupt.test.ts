import { describe, expect, it } from 'vitest';
import { describeJsonError, describeSchemaViolation, formatKey, parseViolations } from '../../../src/saved/corrupt.js';

const FILE = '/home/u/.config/tunnel/config.json';

const jsonError = (text: string) => {
  try {
    JSON.parse(text);
  } catch (error) {
    return describeJsonError(FILE, text, error);
  }
  throw new Error('expected invalid JSON');
};

describe('describeJsonError', () => {
  it.each([
    ['{"tunnels": {"w": {"to": "n",, }}}', /line 1 column 30 after key "to"/],
    ['{\n  "tunnels": {\n    "w": {\n      "to": "n"\n', /line 5 column 1 after key "to"/],
    ['{"defaults": {"keepalive": 10}', /after key "keepalive"/],
    ['nope', /not valid JSON \(.*nope/],
  ])('%j', (text, expected) => {
    const error = jsonError(text);
    expect(error.code).toBe('STATE_CORRUPT');
    expect(error.message).toMatch(expected);
    expect(error.message.startsWith(`${FILE}: not valid JSON`)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('calls an empty file empty', () => {
    expect(describeJsonError(FILE, '  \n', new SyntaxError('Unexpected end of JSON input')).message).toMatch(
      /the file is empty/,
    );
  });
});

describe('describeSchemaViolation', () => {
  it.each([
    [
      { tunnels: { w: { strategy: 'teleport' } } },
      '`tunnels/w/strategy` must be equal to one of the allowed values',
      'tunnels.w.strategy is "teleport", expected one of jump, relay, auto',
    ],
    [
      { tunnels: { w: { keepalive: 'ten' } } },
      '`tunnels/w/keepalive` must be integer',
      'tunnels.w.keepalive is "ten", expected a whole number from 1 to 3600',
    ],
    [
      { tunnels: { w: { local: [1] } } },
      '`tunnels/w/local/0` must be string',
      'tunnels.w.local[0] is 1, expected a non-empty string',
    ],
    [
      { tunnels: { w: { via: 'login' } } },
      '`tunnels/w/via` must be array',
      'tunnels.w.via is "login", expected a list of non-empty strings',
    ],
    [
      { tunnels: { w: { keepAlive: 3 } } },
      '`tunnels/w` must NOT have additional properties',
      'tunnels.w: unknown key "keepAlive" (expected only via, to,',
    ],
    [
      { tunel: {} },
      '`` must NOT have additional properties',
      'the top level: unknown key "tunel" (expected only defaults, tunnels)',
    ],
    [[], '`` must be object', 'the top level is a list [], expected an object'],
    [
      { tunnels: { '../x': {} } },
      '`tunnels` must match pattern "^x$"; `tunnels` property name must be valid',
      'tunnels: tunnel name "../x" is not allowed',
    ],
    [
      { tunnels: { 'a.b': { batchMode: 'yes' } } },
      '`tunnels/a.b/batchMode` must be boolean',
      'tunnels["a.b"].batchMode is "yes", expected true or false',
    ],
    [
      { defaults: { connectTimeout: 0 } },
      '`defaults/connectTimeout` must be >= 1',
      'defaults.connectTimeout is 0, expected a whole number from 1 to 600',
    ],
    [
      { tunnels: { w: { presetOptions: { a: [] } } } },
      '`tunnels/w/presetOptions/a` must be string,number,boolean',
      'tunnels.w.presetOptions.a is a list [], expected a string or number or boolean',
    ],
  ])('%j', (data, confMessage, expected) => {
    const error = describeSchemaViolation(FILE, data, `Config schema violation: ${confMessage}`);
    expect(error.code).toBe('STATE_CORRUPT');
    expect(error.message).toContain(`${FILE}: ${expected}`);
    expect(error.message).toMatch(/edit the file to fix it \(tunnel has not changed it\)$/);
  });

  it('counts the other problems', () => {
    const message =
      'Config schema violation: `tunnels/w/strategy` must be equal to one of the allowed values; `tunnels/w/keepalive` must be integer';
    expect(
      describeSchemaViolation(FILE, { tunnels: { w: { strategy: 'x', keepalive: 'y' } } }, message).message,
    ).toContain('(and 1 more problem)');
  });
});

describe('parseViolations / formatKey', () => {
  it('decodes JSON pointers', () => {
    expect(parseViolations('Config schema violation: `tunnels/a~1b/to` must be string')).toEqual([
      { segments: ['tunnels', 'a/b', 'to'], message: 'must be string' },
    ]);
  });

  it.each([
    [[], 'the top level'],
    [['tunnels', 'web', 'local', '0'], 'tunnels.web.local[0]'],
    [['tunnels', 'web.prod'], 'tunnels["web.prod"]'],
    [['tunnels', '1'], 'tunnels[1]'],
  ])('%j -> %s', (segments, key) => {
    expect(formatKey(segments)).toBe(key);
  });
});
