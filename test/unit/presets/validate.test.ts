import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { loadPresets } from '../../../src/presets/load.js';
import { validatePreset } from '../../../src/presets/validate.js';

const SERVER = {
  name: 'nb',
  description: 'a notebook',
  kind: 'server',
  server: {
    label: 'Notebook',
    command: { socket: ['nb', '--sock', '{socket}'], port: ['nb', '--port={port}'] },
    socketDir: '/tmp/tnl-{name}-{id}',
    socketFile: 'nb.sock',
    freePort: ['python3', '-c', 'print(1)'],
    list: ['nb', 'list', '--json'],
    startTimeoutSeconds: 60,
    healthPath: 'api/status',
    url: 'http://127.0.0.1:{localPort}{baseUrl}?token={token}',
  },
};
const REVERSE = {
  name: 'rv',
  description: 'reverse',
  kind: 'reverse',
  reverse: { label: 'svc', port: 9123, remotePort: 0 },
};

/** A deep copy of `base` with one path set (undefined deletes it). */
function patched(base: object, path: string, value: unknown): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  const keys = path.split('.');
  let node = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  if (value === undefined) delete node[keys[keys.length - 1]!];
  else node[keys[keys.length - 1]!] = value;
  return copy;
}

function failure(raw: unknown, expectedName?: string): TunnelError {
  try {
    validatePreset(raw, 'templates/presets/x.json', expectedName);
  } catch (error) {
    if (error instanceof TunnelError) return error;
    throw error;
  }
  throw new Error('expected validation to fail');
}

describe('validatePreset rejects broken preset files, naming the file and the field', () => {
  it.each([
    ['not an object', SERVER, '', [], /field '': expected an object, got an array/],
    ['missing name', SERVER, 'name', undefined, /field 'name': expected a non-empty string, got nothing/],
    ['name with a slash', SERVER, 'name', '../x', /field 'name': '..\/x' must be 1-63/],
    ['multi-line description', SERVER, 'description', 'a\nb', /field 'description': must be one line/],
    ['unknown kind', SERVER, 'kind', 'daemon', /field 'kind': expected "server" or "reverse", got "daemon"/],
    ['typo in a key', SERVER, 'server.sockDir', '/tmp', /field 'server.sockDir': unknown field/],
    [
      'command not an array',
      SERVER,
      'server.command.socket',
      'nb --sock {socket}',
      /field 'server.command.socket': expected a non-empty array of strings, got the string/,
    ],
    [
      'empty word in a command',
      SERVER,
      'server.command.port',
      ['nb', ''],
      /field 'server.command.port\[1\]': expected a non-empty string/,
    ],
    [
      'socket command without {socket}',
      SERVER,
      'server.command.socket',
      ['nb'],
      /field 'server.command.socket': must use the \{socket\} placeholder/,
    ],
    [
      'unknown placeholder',
      SERVER,
      'server.command.port',
      ['nb', '--port={prot}'],
      /field 'server.command.port': unknown placeholder \{prot\}/,
    ],
    [
      'placeholder where none is allowed',
      SERVER,
      'server.list',
      ['nb', '{socket}'],
      /field 'server.list': placeholder \{socket\} is not allowed here/,
    ],
    [
      'relative socketDir',
      SERVER,
      'server.socketDir',
      'tnl-{id}',
      /field 'server.socketDir': must be an absolute path/,
    ],
    [
      'socketDir without {id}',
      SERVER,
      'server.socketDir',
      '/tmp/tnl',
      /field 'server.socketDir': must use the \{id\} placeholder/,
    ],
    [
      'socket path over sun_path',
      SERVER,
      'server.socketDir',
      `/tmp/${'d'.repeat(100)}-{id}`,
      /field 'server.socketDir': socket path would be \d+ bytes, over the 103-byte sun_path limit/,
    ],
    [
      'socketFile with a slash',
      SERVER,
      'server.socketFile',
      'a/b.sock',
      /field 'server.socketFile': must be a plain file name/,
    ],
    [
      'timeout not a whole number',
      SERVER,
      'server.startTimeoutSeconds',
      1.5,
      /field 'server.startTimeoutSeconds': expected a whole number from 1 to 3600, got number 1.5/,
    ],
    [
      'url without the token',
      SERVER,
      'server.url',
      'http://127.0.0.1:{localPort}/',
      /field 'server.url': must use the \{token\} placeholder/,
    ],
    ['absolute healthPath', SERVER, 'server.healthPath', '/api/status', /field 'server.healthPath': must be relative/],
    ['reverse section on a server preset', SERVER, 'reverse', {}, /field 'reverse': only 'server' belongs/],
    [
      'port out of range',
      REVERSE,
      'reverse.port',
      70000,
      /field 'reverse.port': expected a whole number from 1 to 65535/,
    ],
    [
      'port as a string',
      REVERSE,
      'reverse.port',
      '9123',
      /field 'reverse.port': expected a whole number from 1 to 65535, got the string "9123"/,
    ],
    [
      'sshConfigEntry not a boolean',
      REVERSE,
      'reverse.sshConfigEntry',
      'yes',
      /field 'reverse.sshConfigEntry': expected true or false/,
    ],
    [
      'remoteCommand without {remotePort}',
      REVERSE,
      'reverse.remoteCommand',
      ['pvserver'],
      /field 'reverse.remoteCommand': must use the \{remotePort\} placeholder/,
    ],
    [
      'worker template outside templates/',
      REVERSE,
      'reverse.worker',
      { template: '../x.sh', command: ['w'] },
      /field 'reverse.worker.template': '..\/x.sh' must be a file name inside templates\//,
    ],
    [
      'worker without command',
      REVERSE,
      'reverse.worker',
      { template: 'w.sh' },
      /field 'reverse.worker.command': expected a non-empty array/,
    ],
  ])('%s', (_, base, path, value, message) => {
    const error = failure(path === '' ? value : patched(base, path, value));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/^templates\/presets\/x\.json: /);
    expect(error.message).toMatch(message);
  });

  it('requires the name to match the file name', () => {
    expect(failure(SERVER, 'jupyter').message).toMatch(/field 'name': 'nb' must match the file name 'jupyter'/);
  });

  it('accepts well-formed presets of both kinds', () => {
    expect(validatePreset(SERVER, 'x.json').kind).toBe('server');
    expect(validatePreset(REVERSE, 'x.json').kind).toBe('reverse');
  });
});

describe('the shipped presets', () => {
  it('all load and validate, sorted by name', async () => {
    const presets = await loadPresets();
    expect(presets.map((p) => [p.name, p.kind])).toEqual([
      ['expose', 'reverse'],
      ['jupyter', 'server'],
      ['paraview', 'reverse'],
      ['workqueue', 'reverse'],
    ]);
    for (const preset of presets) expect(preset.description).not.toMatch(/\n/);
  });
});
