import crypto from 'node:crypto';

/**
 * Checks `Authorization: Bearer <token>` in constant time: both sides are hashed first so the
 * comparison neither leaks the token's length nor throws on a length mismatch.
 */
export class BearerToken {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  matches(authorization: string | undefined): boolean {
    const match = /^bearer\s+(.+)$/i.exec((authorization ?? '').trim());
    if (!match) return false;
    return crypto.timingSafeEqual(digest(match[1].trim()), this.expected);
  }
}

function digest(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}
