import { finding, type Finding } from './types.js';

/** What running a local command gave. `missing`: the program is not installed. */
export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  missing?: boolean;
}

const MIN_VERSION = [7, 6] as const;

/** `ssh -V`: OpenSSH, new enough for -J, socket forwarding and the options tunnel passes. */
export function interpretSshVersion(result: CommandResult): Finding {
  if (result.missing)
    return finding(
      'ssh-version',
      'fail',
      'ssh is not on PATH',
      'install the OpenSSH client (Debian: apt install openssh-client)',
    );
  const text = `${result.stderr}\n${result.stdout}`.trim();
  const match = /OpenSSH_(?:for_Windows_)?(\d+)\.(\d+)(p\d+)?/.exec(text);
  if (match === null) {
    return finding(
      'ssh-version',
      'warn',
      `ssh is not OpenSSH (${text.split('\n')[0]})`,
      'install OpenSSH: tunnel reads its -v messages and uses -J and socket forwards',
    );
  }
  const version = [Number(match[1]), Number(match[2])] as const;
  const value = `${match[1]}.${match[2]}${match[3] ?? ''}`;
  if (older(version, MIN_VERSION)) {
    return finding(
      'ssh-version',
      'fail',
      `OpenSSH ${value} is older than 7.6: -J with socket forwards is not supported`,
      'upgrade OpenSSH to 7.6 or later',
      value,
    );
  }
  return finding(
    'ssh-version',
    'ok',
    `OpenSSH ${value}: -J, socket forwarding and ControlMaster/ControlPersist supported`,
    '',
    value,
  );
}

const older = (a: readonly [number, number], b: readonly [number, number]) =>
  a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/** A private key file as seen on disk. */
export interface IdentityFile {
  path: string;
  exists: boolean;
  /** Permission bits, when it exists. */
  mode?: number;
  /** Passphrase-protected; undefined when the format was not recognised. */
  encrypted?: boolean;
}

/** `ssh-add -l`: 0 keys listed, 1 agent without keys, 2 no agent. */
export function interpretAgent(result: CommandResult, identities: readonly IdentityFile[]): Finding {
  const locked = identities.filter((i) => i.exists && i.encrypted === true).map((i) => i.path);
  const prompting = locked.length > 0 ? `; reconnects will ask for the passphrase of ${locked.join(', ')}` : '';
  if (result.missing)
    return finding(
      'ssh-agent',
      locked.length > 0 ? 'warn' : 'ok',
      `ssh-add is not installed${prompting}`,
      locked.length > 0 ? 'install the OpenSSH client tools and run ssh-add' : '',
    );
  if (result.exitCode === 0) {
    const keys = result.stdout.split('\n').filter((line) => line.trim() !== '').length;
    return finding('ssh-agent', 'ok', `the agent holds ${keys} key${keys === 1 ? '' : 's'}`, '', String(keys));
  }
  const state =
    result.exitCode === 1
      ? 'the agent is running but holds no keys'
      : 'no ssh-agent is reachable (SSH_AUTH_SOCK unset or stale)';
  if (locked.length === 0) {
    const why = identities.some((i) => i.exists) ? '; your key files need no passphrase' : '';
    return finding('ssh-agent', 'ok', `${state}${why}`, '', '0');
  }
  const fix =
    result.exitCode === 1 ? `ssh-add ${locked.join(' ')}` : `eval "$(ssh-agent)" && ssh-add ${locked.join(' ')}`;
  return finding('ssh-agent', 'warn', `${state}${prompting}`, fix, '0');
}

/** The IdentityFile entries ssh would try: present, private (ssh ignores a key others can read). */
export function interpretIdentityFiles(
  identities: readonly IdentityFile[],
  agentKeys: number,
  host: string | undefined,
): Finding {
  const present = identities.filter((i) => i.exists);
  const exposed = present.filter((i) => i.mode !== undefined && (i.mode & 0o077) !== 0);
  const target = host === undefined ? '' : ` for ${host}`;
  if (exposed.length > 0) {
    const list = exposed.map((i) => `${i.path} (mode ${i.mode!.toString(8)})`).join(', ');
    return finding(
      'identity-files',
      'fail',
      `ssh refuses private keys others can read: ${list}`,
      `chmod 600 ${exposed.map((i) => i.path).join(' ')}`,
    );
  }
  if (present.length === 0 && agentKeys === 0) {
    return finding(
      'identity-files',
      'fail',
      `no private key${target}: none of ${identities.map((i) => i.path).join(', ') || 'the default key files'} exists and the agent has none`,
      `ssh-keygen -t ed25519, then ssh-copy-id ${host ?? 'HOST'}`,
    );
  }
  const described = present.map((i) => `${i.path}${i.encrypted === true ? ' (passphrase)' : ''}`);
  const detail =
    present.length === 0
      ? `no key files${target}; the agent's keys will be used`
      : `key files${target}: ${described.join(', ')}`;
  return finding('identity-files', 'ok', detail);
}

/**
 * Is this private key passphrase-protected? OpenSSH's own format names its cipher
 * ('none' when open); PEM keys say ENCRYPTED in their header.
 */
export function isEncryptedKey(text: string): boolean | undefined {
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)?.[1];
  if (body !== undefined) {
    const bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
    const magic = 'openssh-key-v1\0';
    if (bytes.subarray(0, magic.length).toString('latin1') !== magic || bytes.length < magic.length + 4)
      return undefined;
    const length = bytes.readUInt32BE(magic.length);
    return bytes.subarray(magic.length + 4, magic.length + 4 + length).toString('latin1') !== 'none';
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) return true;
  if (/-----BEGIN (?:RSA |EC |DSA )?PRIVATE KEY-----/.test(text)) return false;
  return undefined;
}

/** A socket in the tool's ControlMaster directory and whether a master still answers on it. */
export interface ControlSocket {
  path: string;
  live: boolean;
}

export function interpretControlSockets(dir: string, sockets: readonly ControlSocket[] | undefined): Finding {
  if (sockets === undefined) return finding('control-sockets', 'ok', `no ControlMaster directory yet (${dir})`);
  const stale = sockets.filter((s) => !s.live).map((s) => s.path);
  const live = sockets.length - stale.length;
  if (stale.length > 0) {
    return finding(
      'control-sockets',
      'warn',
      `${stale.length} stale ControlMaster socket${stale.length === 1 ? '' : 's'} (no master answers): ${stale.join(', ')}`,
      `rm -- ${stale.join(' ')}`,
      String(stale.length),
    );
  }
  return finding(
    'control-sockets',
    'ok',
    `${live} live ControlMaster socket${live === 1 ? '' : 's'}, none stale, in ${dir}`,
    '',
    '0',
  );
}

/** ssh -G prints IdentityFile as written: expand `~` and `%d` (home), `%u` (user) the way ssh would. */
export function expandIdentityPath(path: string, home: string, user: string): string {
  return path
    .replace(/^~(?=\/|$)/, home)
    .replace(/%d/g, home)
    .replace(/%u/g, user)
    .replace(/%%/g, '%');
}
