import type { IncomingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message: a proxy must
 * not forward them in either direction, nor any header the Connection header names.
 */
export const HOP_BY_HOP = Object.freeze([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);
const HOP_SET = new Set(HOP_BY_HOP);

/** Remove hop-by-hop headers from a request's header object in place (only touching what is present). */
export function stripRequestHopByHop(headers: IncomingHttpHeaders): void {
  const connection = headers.connection;
  if (connection !== undefined) {
    for (const token of connection.split(',')) {
      const name = token.trim().toLowerCase();
      if (name.length > 0 && name !== 'close' && name !== 'keep-alive') delete headers[name];
    }
    delete headers.connection;
  }
  if (headers['keep-alive'] !== undefined) delete headers['keep-alive'];
  if (headers['proxy-authorization'] !== undefined) delete headers['proxy-authorization'];
  if (headers['proxy-authenticate'] !== undefined) delete headers['proxy-authenticate'];
  if (headers['proxy-connection'] !== undefined) delete headers['proxy-connection'];
  if (headers.te !== undefined) delete headers.te;
  if (headers.trailer !== undefined) delete headers.trailer;
  if (headers['transfer-encoding'] !== undefined) delete headers['transfer-encoding'];
  if (headers.upgrade !== undefined) delete headers.upgrade;
}

/**
 * A response's raw headers ([name, value, name, value, …] as received) without the hop-by-hop
 * ones, ready for `res.writeHead(status, flat)`. Raw headers keep repeated Set-Cookie lines and
 * the upstream's spelling; checking the name's length first keeps the common case allocation-free.
 */
export function filterResponseHeaders(raw: readonly string[]): string[] {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 10 && raw[i].toLowerCase() === 'connection') {
      for (const token of raw[i + 1].split(',')) {
        const name = token.trim().toLowerCase();
        if (name.length > 0) (named ??= new Set()).add(name);
      }
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (isHopLength(name.length)) {
      const lower = name.toLowerCase();
      if (HOP_SET.has(lower) || named?.has(lower)) continue;
    } else if (named !== undefined && named.has(name.toLowerCase())) {
      continue;
    }
    out.push(name, raw[i + 1]);
  }
  return out;
}

/**
 * The same from undici's raw response headers ([name, value, …] as Buffers, as received): strings
 * for `res.writeHead`, latin1 as on the wire, so a value passes through byte for byte.
 */
export function filterRawResponseHeaders(raw: readonly Buffer[]): string[] {
  const strings = new Array<string>(raw.length);
  for (let i = 0; i < raw.length; i++) strings[i] = raw[i].toString('latin1');
  return filterResponseHeaders(strings);
}

// Lengths of the names in HOP_BY_HOP: only names of these lengths need a lowercase comparison.
function isHopLength(length: number): boolean {
  return length === 10 || length === 2 || length === 7 || length === 16 || length === 17 || length === 18 || length === 19;
}
