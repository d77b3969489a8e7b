import { TunnelError } from '../errors.js';
import { askSshG } from '../ssh/ssh-g.js';
import type { RunSsh } from '../ssh/run.js';

export interface ValidateOptions {
  /** A complete main config whose Include points at the candidate tunnel.conf (absolute path). */
  candidateConfig: string;
  names: readonly string[];
  /** Candidate path -> real path, so OpenSSH's message names the files the user knows. */
  rename: ReadonlyArray<[from: string, to: string]>;
  /** HostName each entry should resolve to; a mismatch means another block wins over ours. */
  expectedHostNames?: ReadonlyMap<string, string>;
  run?: RunSsh;
}

/** Asks OpenSSH itself (`ssh -F CANDIDATE -G NAME`) whether the candidate config parses and means what we wrote. */
export async function validateWithSsh(options: ValidateOptions): Promise<void> {
  for (const name of options.names) {
    const answer = await askSshG(name, { sshConfig: options.candidateConfig, run: options.run });
    if (!answer.ok) {
      const sshMessage = options.rename.reduce((text, [from, to]) => text.replaceAll(from, to), answer.message);
      throw new TunnelError('CONFIG_INVALID', `${sshMessage} — nothing was changed`, {
        hop: name,
        sshMessage,
        exitCode: answer.exitCode,
      });
    }
    const expected = options.expectedHostNames?.get(name);
    const actual = answer.settings.get('hostname')?.[0];
    if (expected !== undefined && actual !== expected) {
      throw new TunnelError(
        'CONFIG_INVALID',
        `ssh -G ${name} resolves to hostname ${actual ?? '?'}, not ${expected}: an earlier Host/Match block or Include wins over tunnel's entry — nothing was changed`,
        { hop: name },
      );
    }
  }
}
