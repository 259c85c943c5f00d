import crypto from 'node:crypto';

/**
 * How the bench simulates many clients from one machine without letting any client choose its
 * address (docs/security.md, "Client address"). A request may name its client address in
 * CLIENT_ADDRESS_HEADER only together with CLIENT_KEY_HEADER carrying a key derived from the
 * admin token; a balancer believes the address only when the key matches, and strips both
 * headers. Derived, not the admin token itself, so a balancer's config holds no admin power:
 *   printf 'authscale client address' | openssl dgst -sha256 -hmac "$ADMIN_TOKEN" -binary | basenc --base64url | tr -d =
 */
export const CLIENT_ADDRESS_HEADER = 'x-authscale-client-address';
export const CLIENT_KEY_HEADER = 'x-authscale-client-key';

export function clientAddressKey(adminToken: string): string {
  return crypto.createHmac('sha256', adminToken).update('authscale client address').digest('base64url');
}
