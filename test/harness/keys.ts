import { access, readFile } from 'node:fs/promises';
import { execa } from 'execa';

/** Creates an unencrypted ed25519 key pair; returns the public line without its comment. */
export async function genKey(path: string, comment = 'tunnel-test'): Promise<string> {
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], { stdin: 'ignore' });
  return publicKeyOf(path);
}

/** 'ssh-ed25519 AAAA...' for a private key, from its .pub file or derived with ssh-keygen -y. */
export async function publicKeyOf(privatePath: string): Promise<string> {
  let line: string;
  try {
    await access(`${privatePath}.pub`);
    line = await readFile(`${privatePath}.pub`, 'utf8');
  } catch {
    line = (await execa('ssh-keygen', ['-y', '-f', privatePath], { stdin: 'ignore' })).stdout;
  }
  const [type, blob] = line.trim().split(/\s+/);
  if (!type || !blob) throw new Error(`unparsable public key for ${privatePath}: ${line}`);
  return `${type} ${blob}`;
}
