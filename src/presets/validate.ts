import { maxSocketPathBytes } from '../model/socket-path.js';
import { FieldReader } from './fields.js';
import { NAME_PATTERN_SOURCE, placeholdersIn } from './placeholders.js';
import type { Preset, ReverseSection, ServerSection } from './types.js';

const TEMPLATE_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Checks parsed JSON against the preset schema; every failure names the file and the field. Pure. */
export function validatePreset(raw: unknown, file: string, expectedName?: string): Preset {
  const read = new FieldReader(file);
  const top = read.object(raw, '', ['$comment', 'name', 'description', 'kind', 'server', 'reverse']);
  const name = read.string(top, 'name', '');
  if (!new RegExp(NAME_PATTERN_SOURCE).test(name))
    read.fail('name', `'${name}' must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  if (expectedName !== undefined && name !== expectedName)
    read.fail('name', `'${name}' must match the file name '${expectedName}'`);
  const description = read.string(top, 'description', '');
  if (description.length > 120)
    read.fail('description', `one short line please (${description.length} characters, at most 120)`);
  const kind = top.kind;
  if (kind === 'server') {
    if (top.reverse !== undefined) read.fail('reverse', "only 'server' belongs to kind 'server'");
    return { name, description, kind, server: readServer(read, top.server, name) };
  }
  if (kind === 'reverse') {
    if (top.server !== undefined) read.fail('server', "only 'reverse' belongs to kind 'reverse'");
    return { name, description, kind, reverse: readReverse(read, top.reverse) };
  }
  return read.fail('kind', `expected "server" or "reverse", got ${JSON.stringify(kind) ?? 'nothing'}`);
}

function readServer(read: FieldReader, value: unknown, name: string): ServerSection {
  const s = read.object(value, 'server', [
    'label',
    'command',
    'socketDir',
    'socketFile',
    'freePort',
    'list',
    'startTimeoutSeconds',
    'healthPath',
    'url',
  ]);
  const commandRecord = read.object(s.command, 'server.command', ['socket', 'port']);
  const command = {
    socket: read.strings(commandRecord, 'socket', 'server.command'),
    port: read.strings(commandRecord, 'port', 'server.command'),
  };
  requirePlaceholders(read, 'server.command.socket', command.socket, ['socket'], ['socket']);
  requirePlaceholders(read, 'server.command.port', command.port, ['port'], ['port']);
  const socketDir = read.string(s, 'socketDir', 'server');
  requirePlaceholders(read, 'server.socketDir', [socketDir], ['name', 'id'], ['id']);
  if (!socketDir.startsWith('/'))
    read.fail('server.socketDir', 'must be an absolute path (the login shell does not expand ~ here)');
  const socketFile = read.string(s, 'socketFile', 'server');
  if (!TEMPLATE_FILE.test(socketFile))
    read.fail('server.socketFile', 'must be a plain file name (letters, digits, . _ -)');
  // The longest socket path this preset can produce must fit sun_path on every platform it may run on.
  const longest = `${socketDir.replace('{name}', name).replace('{id}', 'x'.repeat(12))}/${socketFile}`;
  const limit = Math.min(maxSocketPathBytes('linux'), maxSocketPathBytes('darwin'));
  if (Buffer.byteLength(longest) > limit)
    read.fail(
      'server.socketDir',
      `socket path would be ${Buffer.byteLength(longest)} bytes, over the ${limit}-byte sun_path limit`,
    );
  const freePort = read.strings(s, 'freePort', 'server');
  const list = read.strings(s, 'list', 'server');
  requirePlaceholders(read, 'server.freePort', freePort, [], []);
  requirePlaceholders(read, 'server.list', list, [], []);
  const healthPath = read.string(s, 'healthPath', 'server');
  if (healthPath.startsWith('/')) read.fail('server.healthPath', 'must be relative to the base URL (no leading /)');
  const url = read.string(s, 'url', 'server');
  requirePlaceholders(read, 'server.url', [url], ['localPort', 'baseUrl', 'token'], ['localPort', 'token']);
  return {
    label: read.string(s, 'label', 'server'),
    command,
    socketDir,
    socketFile,
    freePort,
    list,
    startTimeoutSeconds: read.integer(s, 'startTimeoutSeconds', 'server', 1, 3600),
    healthPath,
    url,
  };
}

function readReverse(read: FieldReader, value: unknown): ReverseSection {
  const r = read.object(value, 'reverse', [
    'label',
    'port',
    'remotePort',
    'sshConfigEntry',
    'remoteCommand',
    'worker',
    'configTemplate',
    'probe',
  ]);
  const section: ReverseSection = {
    label: read.string(r, 'label', 'reverse'),
    port: read.integer(r, 'port', 'reverse', 1, 65535),
    remotePort: read.integer(r, 'remotePort', 'reverse', 0, 65535),
  };
  const probe = read.optionalBoolean(r, 'probe', 'reverse');
  if (probe !== undefined) section.probe = probe;
  const sshConfigEntry = read.optionalBoolean(r, 'sshConfigEntry', 'reverse');
  if (sshConfigEntry !== undefined) section.sshConfigEntry = sshConfigEntry;
  if (r.remoteCommand !== undefined) {
    section.remoteCommand = read.strings(r, 'remoteCommand', 'reverse');
    requirePlaceholders(read, 'reverse.remoteCommand', section.remoteCommand, ['remotePort'], ['remotePort']);
  }
  if (r.worker !== undefined) {
    const w = read.object(r.worker, 'reverse.worker', ['template', 'command']);
    section.worker = {
      template: readTemplateName(read, w, 'reverse.worker'),
      command: read.strings(w, 'command', 'reverse.worker'),
    };
    requirePlaceholders(read, 'reverse.worker.command', section.worker.command, [], []);
  }
  if (r.configTemplate !== undefined) section.configTemplate = readTemplateName(read, r, 'reverse', 'configTemplate');
  return section;
}

function readTemplateName(
  read: FieldReader,
  record: Record<string, unknown>,
  parent: string,
  key = 'template',
): string {
  const value = read.string(record, key, parent);
  if (!TEMPLATE_FILE.test(value))
    read.fail(`${parent}.${key}`, `'${value}' must be a file name inside templates/ (no '/')`);
  return value;
}

/** Every {placeholder} must be one the engine fills, and the required ones must appear somewhere. */
function requirePlaceholders(
  read: FieldReader,
  field: string,
  words: readonly string[],
  allowed: readonly string[],
  required: readonly string[],
): void {
  const used = new Set(words.flatMap((word) => placeholdersIn(word)));
  for (const name of used) {
    if (!allowed.includes(name)) {
      read.fail(
        field,
        allowed.length === 0
          ? `placeholder {${name}} is not allowed here`
          : `unknown placeholder {${name}} (allowed: ${allowed.map((a) => `{${a}}`).join(', ')})`,
      );
    }
  }
  for (const name of required) if (!used.has(name)) read.fail(field, `must use the {${name}} placeholder`);
}
