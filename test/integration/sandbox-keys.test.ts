import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, publicKeyBody } from '../../src/sandbox/keys.js';

describe('sandbox key generation', () => {
  it('produces keys both ssh2 and ssh-keygen read, with the public half matching', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tunnel-sandbox-keys-'));
    try {
      // Many keys: ssh2's own generator fails about 1 in 256 (leading zero byte), so few would prove nothing.
      for (let i = 0; i < 600; i++) {
        const k = generateKeyPair(`k${i}`);
        const priv = ssh2.utils.parseKey(k.privateKey);
        if (priv instanceof Error) throw priv;
        expect(priv.getPublicSSH().toString('base64')).toBe(publicKeyBody(k.publicKey).split(' ')[1]);
        if (i < 5) {
          const path = join(dir, `id${i}`);
          writeFileSync(path, k.privateKey, { mode: 0o600 });
          const derived = execFileSync('ssh-keygen', ['-y', '-f', path], { encoding: 'utf8' });
          expect(publicKeyBody(derived)).toBe(publicKeyBody(k.publicKey));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
