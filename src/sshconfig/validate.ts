import { execa } from 'execa';
import { TunnelError } from '../errors.js';

export interface ValidateOptions {
  /** A complete main config whose Include points at the candidate tunnel.conf (absolute path). */
  candidateConfig: string;
  names: readonly string[];
  /** Candidate path -> real path, so OpenSSH's message names the files the user knows. */
  rename: ReadonlyArray<[from: string, to: string]>;
  /** HostName each entry should resolve to; a mismatch means another block wins over ours. */
  expectedHostNames?: ReadonlyMap<string, string>;
}

/** Asks OpenSSH itself (`ssh -F CANDIDATE -G NAME`) whether the candidate config parses and means what we wrote. */
export async function validateWithSsh(options: ValidateOptions): Promise<void> {
  for (const name of options.names) {
    const result = await execa('ssh', ['-F', options.candidateConfig, '-G', '--', name], {
      reject: false,
      timeout: 10_000,
      stdin: 'ignore',
    });
    if (result.exitCode !== 0) {
      const message = firstLine(result.stderr || result.stdout || `ssh -G exited ${String(result.exitCode)}`);
      const sshMessage = options.rename.reduce((text, [from, to]) => text.replaceAll(from, to), message);
      throw new TunnelError('CONFIG_INVALID', `${sshMessage} — nothing was changed`, {
        hop: name,
        sshMessage,
        exitCode: result.exitCode ?? null,
      });
    }
    const expected = options.expectedHostNames?.get(name);
    const actual = /^hostname (.*)$/m.exec(result.stdout)?.[1];
    if (expected !== undefined && actual !== expected) {
      throw new TunnelError(
        'CONFIG_INVALID',
        `ssh -G ${name} resolves to hostname ${actual ?? '?'}, not ${expected}: an earlier Host/Match block or Include wins over tunnel's entry — nothing was changed`,
        { hop: name },
      );
    }
  }
}

function firstLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Pseudo-terminal'));
  return lines[0] ?? text.trim();
}
