import { describe, expect, it } from 'vitest';
import {
  expandIdentityPath,
  interpretAgent,
  interpretControlSockets,
  interpretIdentityFiles,
  interpretSshVersion,
  isEncryptedKey,
  type CommandResult,
  type IdentityFile,
} from '../../../src/doctor/local-checks.js';
import { parseSshG } from '../../../src/ssh/ssh-g.js';

const result = (over: Partial<CommandResult>): CommandResult => ({ exitCode: 0, stdout: '', stderr: '', ...over });

describe('interpretSshVersion', () => {
  it.each([
    ['OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026', 'ok', '9.2p1'],
    ['OpenSSH_8.7p1, OpenSSL 1.1.1k  FIPS 25 Mar 2021', 'ok', '8.7p1'],
    ['OpenSSH_8.0p1, OpenSSL 1.1.1c FIPS  28 May 2019', 'ok', '8.0p1'],
    ['OpenSSH_7.4p1, OpenSSL 1.0.2k-fips  26 Jan 2017', 'fail', '7.4p1'],
    ['OpenSSH_for_Windows_8.1p1, LibreSSL 3.0.2', 'ok', '8.1p1'],
    ['OpenSSH_10.0p2 Ubuntu-5ubuntu5, OpenSSL 3.5.3', 'ok', '10.0p2'],
    ['Sun_SSH_1.1.7, SSH protocols 1.5/2.0', 'warn', undefined],
  ])('%s', (stderr, status, value) => {
    const found = interpretSshVersion(result({ stderr }));
    expect(found).toMatchObject({ check: 'ssh-version', status });
    expect(found.value).toBe(value);
  });

  it('fails when ssh is missing', () => {
    expect(interpretSshVersion(result({ missing: true, exitCode: null }))).toMatchObject({
      status: 'fail',
      detail: 'ssh is not on PATH',
    });
  });
});

const key = (path: string, over: Partial<IdentityFile> = {}): IdentityFile => ({
  path,
  exists: true,
  mode: 0o600,
  encrypted: false,
  ...over,
});

describe('interpretAgent', () => {
  it.each([
    [
      result({ exitCode: 0, stdout: '256 SHA256:a k1 (ED25519)\n3072 SHA256:b k2 (RSA)\n' }),
      [],
      'ok',
      /holds 2 keys/,
      '',
    ],
    [
      result({ exitCode: 1, stdout: 'The agent has no identities.' }),
      [key('/k')],
      'ok',
      /no keys; your key files need no passphrase/,
      '',
    ],
    [result({ exitCode: 1 }), [key('/k', { encrypted: true })], 'warn', /ask for the passphrase of \/k/, 'ssh-add /k'],
    [
      result({ exitCode: 2, stderr: 'Could not open a connection to your authentication agent.' }),
      [key('/k', { encrypted: true })],
      'warn',
      /no ssh-agent/,
      'eval "$(ssh-agent)" && ssh-add /k',
    ],
    [result({ exitCode: 2 }), [], 'ok', /^no ssh-agent is reachable \(SSH_AUTH_SOCK unset or stale\)$/, ''],
    [result({ missing: true, exitCode: null }), [], 'ok', /not installed/, ''],
  ])('%j with %j', (agent, identities, status, detail, fix) => {
    const found = interpretAgent(agent, identities);
    expect(found.status).toBe(status);
    expect(found.detail).toMatch(detail);
    expect(found.fix).toBe(fix);
  });
});

describe('interpretIdentityFiles', () => {
  it.each([
    [[key('/k1'), key('/k2', { exists: false })], 0, 'ok', /key files for login: \/k1$/],
    [[key('/k1', { encrypted: true })], 0, 'ok', /\/k1 \(passphrase\)/],
    [[key('/k1', { exists: false })], 2, 'ok', /agent's keys will be used/],
    [[key('/k1', { exists: false })], 0, 'fail', /no private key for login/],
    [[key('/k1', { mode: 0o644 })], 1, 'fail', /others can read: \/k1 \(mode 644\)/],
  ])('%j (agent keys %i)', (identities, agentKeys, status, detail) => {
    const found = interpretIdentityFiles(identities, agentKeys, 'login');
    expect(found.status).toBe(status);
    expect(found.detail).toMatch(detail);
  });

  it('tells how to fix exposed keys', () => {
    expect(interpretIdentityFiles([key('/a', { mode: 0o640 })], 0, 'login').fix).toBe('chmod 600 /a');
  });
});

/** OpenSSH's private key format: magic, then the cipher name as an SSH string. */
const opensshKey = (cipher: string) => {
  const name = Buffer.from(cipher);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), length, name, Buffer.alloc(40)]).toString('base64');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.match(/.{1,70}/g)!.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
};

describe('isEncryptedKey', () => {
  it.each([
    [opensshKey('none'), false],
    [opensshKey('aes256-ctr'), true],
    [
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----',
      true,
    ],
    ['-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----', false],
    ['-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----', true],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----', undefined],
    ['ssh-ed25519 AAAA... a public key', undefined],
  ])('%#', (text, encrypted) => {
    expect(isEncryptedKey(text)).toBe(encrypted);
  });
});

describe('interpretControlSockets', () => {
  it.each([
    [undefined, 'ok', /no ControlMaster directory yet/, ''],
    [[], 'ok', /0 live ControlMaster sockets, none stale/, ''],
    [[{ path: '/s/cm/a', live: true }], 'ok', /1 live ControlMaster socket, none stale/, ''],
    [
      [
        { path: '/s/cm/a', live: true },
        { path: '/s/cm/b', live: false },
      ],
      'warn',
      /1 stale ControlMaster socket \(no master answers\): \/s\/cm\/b/,
      'rm -- /s/cm/b',
    ],
  ])('%j', (sockets, status, detail, fix) => {
    const found = interpretControlSockets('/s/cm', sockets);
    expect(found.status).toBe(status);
    expect(found.detail).toMatch(detail);
    expect(found.fix).toBe(fix);
  });
});

describe('parseSshG / expandIdentityPath', () => {
  it('keeps every value of repeated keys', () => {
    const config = parseSshG('user alice\nport 2222\nidentityfile ~/.ssh/id_rsa\nidentityfile ~/.ssh/id_ed25519\n');
    expect(config.get('identityfile')).toEqual(['~/.ssh/id_rsa', '~/.ssh/id_ed25519']);
    expect(config.get('port')).toEqual(['2222']);
  });

  it.each([
    ['~/.ssh/id_ed25519', '/home/a/.ssh/id_ed25519'],
    ['%d/.ssh/%u.key', '/home/a/.ssh/a.key'],
    ['/etc/keys/100%%', '/etc/keys/100%'],
    ['~other/key', '~other/key'],
  ])('%s -> %s', (path, expanded) => {
    expect(expandIdentityPath(path, '/home/a', 'a')).toBe(expanded);
  });
});
