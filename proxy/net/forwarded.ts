import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { normalizeAddress, type TrustedProxies } from './cidr';

/** What the proxy knows about the peer of one client connection, computed once per socket. */
export interface PeerInfo {
  readonly address: string;
  readonly trusted: boolean;
}

const PEER = Symbol('authscale.peer');
type SocketWithPeer = Socket & { [PEER]?: PeerInfo };

/** The peer of this request's connection; cached on the socket because keep-alive reuses it. */
export function peerOf(req: IncomingMessage, trusted: TrustedProxies): PeerInfo {
  const socket = req.socket as SocketWithPeer;
  let peer = socket[PEER];
  if (peer === undefined) {
    const address = normalizeAddress(socket.remoteAddress ?? '');
    peer = { address, trusted: trusted.has(address) };
    socket[PEER] = peer;
  }
  return peer;
}

/**
 * The client address per docs/design.md: the peer's, unless the peer is a trusted proxy; then the
 * last X-Forwarded-For entry that is not itself trusted (walking right to left, since only
 * entries appended by trusted hops can be believed). All entries trusted → the leftmost.
 */
export function clientAddress(peer: PeerInfo, xff: string | string[] | undefined, trusted: TrustedProxies): string {
  if (!peer.trusted || xff === undefined) return peer.address;
  const entries = (Array.isArray(xff) ? xff.join(',') : xff).split(',');
  let candidate = peer.address;
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = normalizeAddress(entries[i].trim());
    if (entry.length === 0) continue;
    candidate = entry;
    if (!trusted.has(entry)) return entry;
  }
  return candidate;
}

/**
 * Set X-Forwarded-For/-Proto/-Host on the headers we forward. From an untrusted peer every
 * client-sent value is overwritten (a client must not choose the address a replica logs or
 * rate-limits by); from a trusted proxy its chain is kept and the peer appended.
 */
export function setForwardedHeaders(headers: IncomingHttpHeaders, peer: PeerInfo, encrypted: boolean): void {
  const proto = encrypted ? 'https' : 'http';
  if (peer.trusted) {
    const existing = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = existing ? `${existing}, ${peer.address}` : peer.address;
    if (!headers['x-forwarded-proto']) headers['x-forwarded-proto'] = proto;
    if (!headers['x-forwarded-host'] && headers.host) headers['x-forwarded-host'] = headers.host;
  } else {
    headers['x-forwarded-for'] = peer.address;
    headers['x-forwarded-proto'] = proto;
    if (headers.host) headers['x-forwarded-host'] = headers.host;
    else delete headers['x-forwarded-host'];
  }
}
