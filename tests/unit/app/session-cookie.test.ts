import { SessionCookie, newSessionId } from '../../../services/app/auth/session-cookie';

// express-session's own signer: cookies it issued before this layer must stay valid.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const expressSessionSigner = require('cookie-signature') as { sign(value: string, secret: string): string };

const header = (name: string, signed: string) => `other=1; ${name}=${encodeURIComponent(signed)}; after=2`;

test('when a cookie was signed by express-session with any configured secret, then its id is read; with another secret, it is not', () => {
  const cookie = new SessionCookie('sid_memory', ['new-secret', 'old-secret']);
  const id = newSessionId();
  expect(cookie.read(header('sid_memory', `s:${expressSessionSigner.sign(id, 'new-secret')}`))).toBe(id);
  expect(cookie.read(header('sid_memory', `s:${expressSessionSigner.sign(id, 'old-secret')}`))).toBe(id);
  expect(cookie.read(header('sid_memory', `s:${expressSessionSigner.sign(id, 'unknown-secret')}`))).toBeUndefined();
});

test('when a new session is signed, then it carries the first secret\'s signature in express-session\'s format', () => {
  const cookie = new SessionCookie('sid_redis', ['first', 'second']);
  const id = newSessionId();
  expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(cookie.sign(id)).toBe(`s:${expressSessionSigner.sign(id, 'first')}`);
  expect(cookie.read(header('sid_redis', cookie.sign(id)))).toBe(id);
});

test('when the cookie is tampered, unsigned, badly encoded, of another name or absent, then no id is read', () => {
  const cookie = new SessionCookie('sid_memory', ['secret']);
  const id = newSessionId();
  const signed = cookie.sign(id);
  expect(cookie.read(header('sid_memory', `${signed.slice(0, -1)}${signed.endsWith('A') ? 'B' : 'A'}`))).toBeUndefined();
  expect(cookie.read(header('sid_memory', `s:${newSessionId()}${signed.slice(signed.lastIndexOf('.'))}`))).toBeUndefined();
  expect(cookie.read(header('sid_memory', id))).toBeUndefined();
  expect(cookie.read(`sid_memory=s%3A${id}.%E0%A4%A`)).toBeUndefined();
  expect(cookie.read(header('sid_redis', signed))).toBeUndefined();
  expect(cookie.read(undefined)).toBeUndefined();
});
