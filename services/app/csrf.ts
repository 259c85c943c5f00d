import crypto from 'node:crypto';
import type { Request } from 'express';

/**
 * CSRF defences for cookie-authenticated requests (OWASP CSRF Prevention cheat sheet):
 * 1. Fetch Metadata / Origin: a browser says where a request comes from; anything but the page's
 *    own origin is refused. Runs on every state-changing request of a session mode, login included.
 * 2. A synchronizer token kept in the session, sent back by the client in `X-CSRF-Token`. It is
 *    what protects clients that send neither header (old browsers, curl, the bench): they must
 *    have read the token from a login or /me answer, which a cross-site page cannot do.
 */

export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change state; GET/HEAD/OPTIONS must not, so they need no token. */
export function isStateChanging(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/**
 * Why the browser's own headers mark this request as cross-origin, or undefined when they do
 * not (same origin, or no such header: a non-browser client, left to the token).
 * `Sec-Fetch-Site: same-site` is refused too: the proxy's frontends are different ports of one
 * host, i.e. the same site, and cookies do not isolate ports, so a sibling page is not trusted.
 */
export function crossOriginReason(req: Request): string | undefined {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) {
    return site === 'same-origin' || site === 'none' ? undefined : `Sec-Fetch-Site is ${site}`;
  }
  const origin = req.get('origin');
  if (origin === undefined) return undefined;
  // req.protocol and req.host honour X-Forwarded-Proto/-Host only from a TRUST_PROXY address.
  const own = `${req.protocol}://${req.host}`;
  return origin.toLowerCase() === own.toLowerCase() ? undefined : `Origin ${origin} is not ${own}`;
}

/** A fresh token: 32 random bytes, base64url (43 characters). */
export function newCsrfToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
export function csrfTokenMatches(expected: string | undefined, presented: string | undefined): boolean {
  if (!expected || !presented) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
