import net from 'node:net';

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** "10.0.0.0/8", "::1/128" or a bare address (a /32 or /128); undefined when it is neither. */
export function parseCidr(text: string): Cidr | undefined {
  const [rawAddress, rawPrefix, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const address = normalizeAddress(rawAddress);
  const version = net.isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (rawPrefix !== undefined && !/^\d{1,3}$/.test(rawPrefix)) return undefined;
  const prefix = rawPrefix === undefined ? max : Number(rawPrefix);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * A socket on a dual-stack listener reports IPv4 peers as "::ffff:a.b.c.d"; strip that so one
 * IPv4 rule matches both forms and the address we forward is the one a person would write.
 */
export function normalizeAddress(address: string): string {
  if (address.length > 7 && address.charCodeAt(0) === 58 /* : */ && address.toLowerCase().startsWith('::ffff:')) {
    const v4 = address.slice(7);
    if (net.isIPv4(v4)) return v4;
  }
  return address;
}

/** The set of peers whose X-Forwarded-* headers we believe (docs/design.md, client address). */
export class TrustedProxies {
  private readonly list = new net.BlockList();
  readonly empty: boolean;

  constructor(cidrs: readonly Cidr[]) {
    for (const c of cidrs) this.list.addSubnet(c.address, c.prefix, c.family);
    this.empty = cidrs.length === 0;
  }

  /** Whether `address` (already normalized) is trusted; false for anything that is not an IP. */
  has(address: string): boolean {
    if (this.empty) return false;
    const version = net.isIP(address);
    if (version === 0) return false;
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}
