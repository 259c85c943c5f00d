/**
 * A user's cookies, as a browser would keep them for one site: name → value, replaced by each
 * Set-Cookie, dropped when the server expires them. Paths are not needed: each user talks to
 * one mode, and the proxy's `lb` cookie (Path=/) must ride along on every request.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Take the Set-Cookie header(s) of a response (a string or an array, any header case). */
  store(setCookie: string | string[] | undefined): void {
    if (setCookie === undefined) return;
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || attributes.some(isExpiry)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** Replace this jar's cookies with a copy of another's. */
  copyFrom(other: CookieJar): void {
    this.cookies.clear();
    for (const [name, value] of other.cookies) this.cookies.set(name, value);
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  delete(name: string): void {
    this.cookies.delete(name);
  }

  /** The Cookie request header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  }
}

function isExpiry(attribute: string): boolean {
  const [key, value = ''] = attribute.split('=').map((s) => s.trim());
  if (/^max-age$/i.test(key)) return Number(value) <= 0;
  if (/^expires$/i.test(key)) return Date.parse(value) <= Date.now();
  return false;
}

/** A response header by name, whatever case the server used (autocannon keeps the server's). */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | string[] | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export function firstHeader(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headerValue(headers, name);
  return Array.isArray(value) ? value[0] : value;
}
