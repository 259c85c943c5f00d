import type { Request } from 'express';
import { crossOriginReason, csrfTokenMatches, isStateChanging, newCsrfToken } from '../../../services/app/csrf';

/** The parts of an express Request the check reads (protocol and host as express derives them). */
function req(headers: Record<string, string>, protocol = 'http', host = '127.0.0.1:8080'): Request {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { protocol, host, get: (name: string) => lower[name.toLowerCase()] } as unknown as Request;
}

test.each([
  [{}, undefined],
  [{ 'Sec-Fetch-Site': 'same-origin' }, undefined],
  [{ 'Sec-Fetch-Site': 'none' }, undefined],
  [{ Origin: 'http://127.0.0.1:8080' }, undefined],
  [{ Origin: 'HTTP://127.0.0.1:8080' }, undefined],
])('when the browser headers are %j, then the request is not refused', (headers, expected) => {
  expect(crossOriginReason(req(headers))).toBe(expected);
});

test.each([
  [{ 'Sec-Fetch-Site': 'cross-site' }, 'Sec-Fetch-Site is cross-site'],
  [{ 'Sec-Fetch-Site': 'same-site' }, 'Sec-Fetch-Site is same-site'],
  // Sec-Fetch-Site wins over Origin: a browser that sends it says it all.
  [{ 'Sec-Fetch-Site': 'cross-site', Origin: 'http://127.0.0.1:8080' }, 'Sec-Fetch-Site is cross-site'],
  [{ Origin: 'https://evil.example' }, 'Origin https://evil.example is not http://127.0.0.1:8080'],
  [{ Origin: 'null' }, 'Origin null is not http://127.0.0.1:8080'],
  [{ Origin: 'http://127.0.0.1:8081' }, 'Origin http://127.0.0.1:8081 is not http://127.0.0.1:8080'],
  [{ Origin: 'https://127.0.0.1:8080' }, 'Origin https://127.0.0.1:8080 is not http://127.0.0.1:8080'],
])('when the browser headers are %j, then the request is refused: %s', (headers, reason) => {
  expect(crossOriginReason(req(headers))).toBe(reason);
});

test('when tokens are drawn, then they are 43 base64url characters and differ', () => {
  const a = newCsrfToken();
  expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(newCsrfToken()).not.toBe(a);
});

test('when a token is compared, then only the same token matches; missing or different lengths do not', () => {
  const token = newCsrfToken();
  expect(csrfTokenMatches(token, token)).toBe(true);
  expect(csrfTokenMatches(token, `${token}x`)).toBe(false);
  expect(csrfTokenMatches(token, undefined)).toBe(false);
  expect(csrfTokenMatches(undefined, undefined)).toBe(false);
  expect(csrfTokenMatches('', '')).toBe(false);
});

test('when the method is safe, then no token is needed', () => {
  expect(['GET', 'head', 'OPTIONS'].map(isStateChanging)).toEqual([false, false, false]);
  expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(isStateChanging)).toEqual([true, true, true, true]);
});
