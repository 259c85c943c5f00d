import type { Clock } from '../clock';
import type { RedisClient } from '../redis-client';
import type { AccessTokenClaims } from './access-tokens';
import { REVOKED_FAMILY_PREFIX } from './refresh-tokens';
import { REDIS_KEY_PREFIXES } from '../../../common/vocabulary';

const DENIED_PREFIX = REDIS_KEY_PREFIXES.deniedJti;
/** Replicas' clocks may differ a little: keep an entry this much past the token's own expiry. */
const SKEW_MARGIN_MS = 1000;

/**
 * The state `/jwt-revocable` adds back: a shared denylist of revoked tokens by `jti`, each entry
 * kept only for the token's remaining lifetime (after `exp` the signature check refuses it
 * anyway), so the list never holds more than the tokens revoked within one access lifetime.
 */
export class TokenDenylist {
  constructor(
    private readonly redis: RedisClient,
    private readonly clock: Clock,
  ) {}

  /**
   * Whether the token was revoked, alone or with its refresh family (logout, or reuse detected).
   * One round trip: one EXISTS over both keys. Rejects when Redis fails (the caller fails closed).
   */
  async isRevoked(claims: AccessTokenClaims): Promise<boolean> {
    const keys = [DENIED_PREFIX + claims.jti];
    if (typeof claims.fid === 'string') keys.push(REVOKED_FAMILY_PREFIX + claims.fid);
    return (await this.redis.exists(...keys)) > 0;
  }

  /** Revoke one access token until it expires. Rejects when Redis fails. */
  async revoke(claims: AccessTokenClaims): Promise<void> {
    // PX from the app's own clock rather than PXAT: Redis's clock need not agree with the replica's.
    const remainingMs = Math.max(1, claims.exp * 1000 - this.clock.now()) + SKEW_MARGIN_MS;
    await this.redis.set(DENIED_PREFIX + claims.jti, '1', 'PX', remainingMs);
  }
}
