import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import type { AuthContext, ParsedKey } from 'ssh2';

export interface KeyPair {
  /** OpenSSH-format private key (unencrypted). */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment`, as in authorized_keys / known_hosts. */
  publicKey: string;
}

const sshString = (b: Buffer | string): Buffer => {
  const buf = Buffer.from(b);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
};

/**
 * An unencrypted ed25519 key in OpenSSH's own format (PROTOCOL.key), built from
 * node:crypto. Not ssh2's utils.generateKeyPairSync: in 1.17 it strips leading
 * zero bytes from the public key, so about 1 key in 256 is malformed.
 */
export function generateKeyPair(comment: string): KeyPair {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x ?? '', 'base64url');
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  if (pub.length !== 32 || seed.length !== 32) throw new Error('sandbox: unexpected ed25519 key size');

  const pubBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4);
  let section = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  const pad = (8 - (section.length % 8)) % 8;
  section = Buffer.concat([section, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    Buffer.from([0, 0, 0, 1]),
    sshString(pubBlob),
    sshString(section),
  ]).toString('base64');
  const lines = body.match(/.{1,70}/g) ?? [];
  return {
    privateKey: ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n'),
    publicKey: `ssh-ed25519 ${pubBlob.toString('base64')} ${comment}`,
  };
}

export function parsePublicKey(publicKey: string): ParsedKey {
  const parsed = ssh2.utils.parseKey(publicKey);
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

/** The key material without the comment: what known_hosts needs. */
export function publicKeyBody(publicKey: string): string {
  const [type, b64] = publicKey.trim().split(/\s+/);
  if (!type || !b64) throw new Error(`malformed public key: ${publicKey}`);
  return `${type} ${b64}`;
}

/**
 * Public-key-only authentication for one user and one key, following the ssh2
 * README server example: a query without a signature gets PK_OK only for the
 * allowed key, and a signed request must verify against it.
 */
export function publicKeyAuth(user: string, allowed: ParsedKey): (ctx: AuthContext) => void {
  const allowedBlob = allowed.getPublicSSH();
  return (ctx) => {
    if (ctx.method !== 'publickey' || ctx.username !== user) {
      ctx.reject(['publickey']);
      return;
    }
    const blob = ctx.key.data;
    const sameKey =
      ctx.key.algo === allowed.type && blob.length === allowedBlob.length && timingSafeEqual(blob, allowedBlob);
    if (!sameKey) {
      ctx.reject(['publickey']);
      return;
    }
    if (ctx.signature) {
      if (!ctx.blob || allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
        ctx.reject(['publickey']);
        return;
      }
    }
    ctx.accept();
  };
}
