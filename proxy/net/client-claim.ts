import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import { CLIENT_ADDRESS_HEADER, CLIENT_KEY_HEADER, clientAddressKey } from '../../common/client-address';
import { normalizeAddress } from './cidr';

/**
 * The bench's keyed client-address claim (common/client-address.ts): the claimed address when the
 * key matches and the address is an IP, else undefined. Both headers are removed either way, so
 * a replica never sees them. Checked only when one of them is present (one lookup otherwise).
 */
export class ClientAddressClaims {
  private readonly key: Buffer;

  constructor(adminToken: string) {
    this.key = Buffer.from(clientAddressKey(adminToken));
  }

  take(headers: IncomingHttpHeaders): string | undefined {
    const claimed = headers[CLIENT_ADDRESS_HEADER];
    const key = headers[CLIENT_KEY_HEADER];
    if (claimed === undefined && key === undefined) return undefined;
    delete headers[CLIENT_ADDRESS_HEADER];
    delete headers[CLIENT_KEY_HEADER];
    if (typeof claimed !== 'string' || typeof key !== 'string') return undefined;
    const presented = Buffer.from(key);
    if (presented.length !== this.key.length || !crypto.timingSafeEqual(presented, this.key)) return undefined;
    const address = normalizeAddress(claimed.trim());
    return net.isIP(address) === 0 ? undefined : address;
  }
}
