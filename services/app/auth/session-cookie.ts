import crypto from 'node:crypto';
import { readCookie } from '../../../common/cookie-header';

/**
 * The session cookie's value, in express-session's format so cookies and records stay valid
 * across an upgrade: `s:<id>.<base64 HMAC-SHA256 of the id, no padding>`, URL-encoded in the
 * header. New cookies are signed with the first secret; every secret verifies (rotation).
 */
export class SessionCookie {
  private readonly keys: readonly crypto.KeyObject[];

  constructor(
    readonly name: string,
    secrets: readonly string[],
  ) {
    if (secrets.length === 0) throw new Error('a session cookie needs at least one secret');
    // Key objects: no string-to-key conversion per HMAC.
    this.keys = secrets.map((s) => crypto.createSecretKey(Buffer.from(s, 'utf8')));
  }

  /** The session id of a validly signed cookie in this Cookie header; undefined when absent, unsigned or tampered. */
  read(header: string | undefined): string | undefined {
    const raw = readCookie(header, this.name);
    if (raw === undefined) return undefined;
    const value = decode(raw);
    if (value === undefined || !value.startsWith('s:')) return undefined;
    const dot = value.lastIndexOf('.');
    if (dot < 3) return undefined;
    const id = value.slice(2, dot);
    const presented = Buffer.from(value.slice(dot + 1));
    for (const key of this.keys) {
      const expected = Buffer.from(signature(id, key));
      // Constant time: a signature cannot be guessed byte by byte from response times.
      if (expected.length === presented.length && crypto.timingSafeEqual(expected, presented)) return id;
    }
    return undefined;
  }

  /** The cookie value for a new session id (before URL-encoding: res.cookie encodes it). */
  sign(id: string): string {
    return `s:${id}.${signature(id, this.keys[0])}`;
  }
}

/** A new session id: 24 random bytes, base64url (32 characters, like express-session's uid-safe). */
export function newSessionId(): string {
  return crypto.randomBytes(24).toString('base64url');
}

function signature(id: string, key: crypto.KeyObject): string {
  const digest = crypto.createHmac('sha256', key).update(id).digest('base64');
  let end = digest.length;
  while (end > 0 && digest.charCodeAt(end - 1) === 61 /* = */) end--;
  return digest.slice(0, end);
}

function decode(raw: string): string | undefined {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
