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
 * the upstream's spelling.
 */
export function filterResponseHeaders(raw: readonly string[]): string[] {
  return filterFlat(raw, String);
}

/**
 * The same from undici's raw response headers ([name, value, …] as Buffers, as received): strings
 * for `res.writeHead`, latin1 as on the wire, so a value passes through byte for byte. One pass
 * (the proxy's hottest own code: it runs on every response).
 */
export function filterRawResponseHeaders(raw: readonly Buffer[]): string[] {
  return filterFlat(raw, latin1);
}

function latin1(b: Buffer): string {
  return b.toString('latin1');
}

function filterFlat<T>(raw: readonly T[], text: (item: T) => string): string[] {
  const out: string[] = [];
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = text(raw[i]);
    if (isHopByHop(name)) {
      // Connection names more hop-by-hop headers; its usual "keep-alive" / "close" name none to drop.
      if (name.length === 10 && name.toLowerCase() === 'connection') named = connectionTokens(text(raw[i + 1]), named);
      continue;
    }
    out.push(name, text(raw[i + 1]));
  }
  // Rare: a header named in Connection (it may come before Connection itself), dropped afterwards.
  if (named === undefined) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) if (!named.has(out[i].toLowerCase())) kept.push(out[i], out[i + 1]);
  return kept;
}

function connectionTokens(value: string, named: Set<string> | undefined): Set<string> | undefined {
  if (value === 'keep-alive' || value === 'close') return named; // what replicas send: nothing to split
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name.length > 0 && name !== 'keep-alive' && name !== 'close') (named ??= new Set()).add(name);
  }
  return named;
}

// Whether a header name (as spelled by the upstream) is hop-by-hop, remembered per spelling: a
// replica sends the same few names on every response, so the steady state lowercases nothing.
const HOP_BY_NAME = new Map<string, boolean>();
const HOP_BY_NAME_LIMIT = 512;

function isHopByHop(name: string): boolean {
  const known = HOP_BY_NAME.get(name);
  if (known !== undefined) return known;
  const hop = HOP_SET.has(name.toLowerCase());
  // Bounded: odd spellings from a misbehaving upstream cannot grow it.
  if (HOP_BY_NAME.size < HOP_BY_NAME_LIMIT) HOP_BY_NAME.set(name, hop);
  return hop;
}
