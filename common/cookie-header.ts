/**
 * The value of cookie `name` in a Cookie header, without parsing the other cookies. A match must
 * start the header or a pair (after ";" and optional spaces): "a=x lb=v" or "a=x,lb=v" is one
 * malformed cookie `a`, not `lb`. A value with characters no cookie-octet may hold (space,
 * quote, comma, backslash; RFC 6265 §4.1.1) is no value: undefined. Shared by the proxy's
 * affinity cookie and the replica's session cookies.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let from = 0;
  for (;;) {
    const at = header.indexOf(name, from);
    if (at === -1) return undefined;
    const end = at + name.length;
    if (startsPair(header, at) && header.charCodeAt(end) === 61 /* = */) {
      const stop = header.indexOf(';', end + 1);
      const value = header.slice(end + 1, stop === -1 ? undefined : stop).trim();
      return COOKIE_VALUE.test(value) ? value : undefined;
    }
    from = end;
  }
}

const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/** Whether position `at` begins a cookie pair: the header's start, or ";" then optional spaces/tabs. */
function startsPair(header: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (header.charCodeAt(i) === 32 || header.charCodeAt(i) === 9)) i--;
  return i < 0 || header.charCodeAt(i) === 59 /* ; */;
}
