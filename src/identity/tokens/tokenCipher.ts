import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CacheKey } from '../../config/tokens.js';

export interface SealedToken {
  keyId: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

/** AES-256-GCM with the cache entry's identity as associated data, so a sealed token cannot be moved to another entry. */
export class TokenCipher {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: CacheKey[]) {
    if (keys.length === 0) throw new Error('TokenCipher needs at least one key.');
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new Error(`Token cache key "${id}" must be 32 bytes (AES-256).`);
    }
    this.byId = new Map(keys.map(({ id, key }) => [id, key]));
  }

  seal(token: string, associatedData: string): SealedToken {
    const current = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return { keyId: current.id, iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  }

  /** Null when the key is gone (rotated out) or the entry was tampered with: the caller then asks ACS afresh. */
  open(sealed: SealedToken, associatedData: string): string | null {
    const key = this.byId.get(sealed.keyId);
    if (!key) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(associatedData));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
