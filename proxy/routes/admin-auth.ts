import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Checks `Authorization: Bearer <ADMIN_TOKEN>` in constant time: both sides are hashed first so
 * the comparison neither leaks the token's length nor throws on a length mismatch.
 */
export class AdminAuth {
  private readonly expected: Buffer;

  constructor(readonly token: string) {
    this.expected = digest(token);
  }

  allows(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (header === undefined) return false;
    const match = /^bearer\s+(.+)$/i.exec(header.trim());
    if (!match) return false;
    return crypto.timingSafeEqual(digest(match[1]), this.expected);
  }
}

function digest(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}
