import crypto from 'node:crypto';
import type { Clock } from '../clock';
import type { RedisClient } from '../redis-client';
import { REDIS_KEY_PREFIXES } from '../../../common/vocabulary';

/**
 * Refresh-token families with rotation and reuse detection (RFC 9700 §4.14.2), in Redis so
 * every replica sees the same state.
 *
 * A refresh token is opaque: `<familyId>.<secret>`, random base64url. It is not a JWT because
 * Redis must be asked anyway (to rotate it), so self-contained claims would buy nothing, and a
 * token that is not a JWT can never be mistaken for an access token, nor an access token for it.
 * Redis keeps only a SHA-256 of each secret: a dump of Redis yields no usable token.
 *
 * One hash per family, `authscale:refresh:<familyId>`: `user`, `mode` (the mode that started it:
 * a family is refreshed only by that mode, so a `/jwt-revocable` login never yields a `/jwt`
 * token), `current` (hash of the one valid token), `used:<hash>` = when each earlier token was
 * used, `revoked` once revoked. A family stored before `mode` existed is taken by either mode. Its TTL is
 * the refresh lifetime, renewed at each rotation (an unused family expires on its own).
 */
const FAMILY_PREFIX = REDIS_KEY_PREFIXES.refreshFamily;
/** Set when a family is revoked, for the access tokens issued in it (checked by /jwt-revocable). */
export const REVOKED_FAMILY_PREFIX = REDIS_KEY_PREFIXES.revokedFamily;
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/**
 * Atomic in Redis, so two replicas racing on one token cannot both rotate it: exactly one sees
 * `current` match. KEYS: family, revoked-family marker. ARGV: presented hash, new hash, now (ms,
 * the app's clock), grace (ms), family TTL (ms), marker TTL (ms), mode.
 */
const ROTATE_SCRIPT = `
local family = KEYS[1]
if redis.call('EXISTS', family) == 0 then return {'unknown'} end
local mode = redis.call('HGET', family, 'mode')
if mode and mode ~= ARGV[7] then return {'unknown'} end
local user = redis.call('HGET', family, 'user')
if redis.call('HEXISTS', family, 'revoked') == 1 then return {'revoked', user} end
if redis.call('HGET', family, 'current') == ARGV[1] then
  redis.call('HSET', family, 'current', ARGV[2], 'used:' .. ARGV[1], ARGV[3])
  redis.call('PEXPIRE', family, ARGV[5])
  return {'rotated', user}
end
local usedAt = redis.call('HGET', family, 'used:' .. ARGV[1])
if not usedAt then return {'unknown'} end
if tonumber(ARGV[3]) - tonumber(usedAt) <= tonumber(ARGV[4]) then return {'reused_in_grace', user} end
redis.call('HSET', family, 'revoked', ARGV[3])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[6])
return {'theft', user}
`;

/**
 * Revoke a family for its owner only. KEYS: family, marker. ARGV: now, marker TTL, user, mode,
 * hash of a presented token of the family ('' when the family id comes from a verified access
 * token, whose signature already proves it). A presented token must be the current one or an
 * earlier one of the same family: a family id alone (readable in any access token) is not enough.
 */
const REVOKE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'user') ~= ARGV[3] then return 0 end
local mode = redis.call('HGET', KEYS[1], 'mode')
if mode and mode ~= ARGV[4] then return 0 end
if ARGV[5] ~= '' and redis.call('HGET', KEYS[1], 'current') ~= ARGV[5] and redis.call('HEXISTS', KEYS[1], 'used:' .. ARGV[5]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'revoked', ARGV[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return 1
`;

export type RotationOutcome =
  | { outcome: 'rotated'; user: string; familyId: string; refreshToken: string }
  /** Used already, but within the grace period (a client retry or two replicas racing): nothing revoked. */
  | { outcome: 'reused_in_grace'; user: string; familyId: string }
  /** Used already, after the grace period: treated as theft, the whole family is now revoked. */
  | { outcome: 'theft'; user: string; familyId: string }
  /** Not a token of a live family (malformed, unknown, expired, or the family was revoked). */
  | { outcome: 'invalid' };

export interface RefreshTokenOptions {
  /** The mode whose families these are (one RefreshTokens per token mode). */
  mode: string;
  ttlSeconds: number;
  reuseGraceSeconds: number;
  /** Access-token lifetime: how long the revoked-family marker must outlive the revocation. */
  accessTtlSeconds: number;
}

const hashOf = (secret: string): string => crypto.createHash('sha256').update(secret).digest('base64url');

export class RefreshTokens {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: RefreshTokenOptions,
    private readonly clock: Clock,
  ) {}

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  /** A new family for a login; its first refresh token. One round trip (MULTI). Rejects when Redis fails. */
  async startFamily(user: string): Promise<{ familyId: string; refreshToken: string }> {
    const familyId = crypto.randomBytes(16).toString('base64url');
    const secret = crypto.randomBytes(32).toString('base64url');
    const key = FAMILY_PREFIX + familyId;
    const results = await this.redis
      .multi()
      .hset(key, 'user', user, 'mode', this.options.mode, 'current', hashOf(secret), 'createdAt', String(this.clock.now()))
      .pexpire(key, this.options.ttlSeconds * 1000)
      .exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('redis transaction aborted');
    return { familyId, refreshToken: `${familyId}.${secret}` };
  }

  /** Use a refresh token once. Malformed input is refused without touching Redis. Rejects when Redis fails. */
  async rotate(refreshToken: string): Promise<RotationOutcome> {
    const match = TOKEN_PATTERN.exec(refreshToken);
    if (!match) return { outcome: 'invalid' };
    const [, familyId, secret] = match;
    const next = crypto.randomBytes(32).toString('base64url');
    const reply = (await this.redis.eval(
      ROTATE_SCRIPT, 2, FAMILY_PREFIX + familyId, REVOKED_FAMILY_PREFIX + familyId,
      hashOf(secret), hashOf(next), String(this.clock.now()), String(this.options.reuseGraceSeconds * 1000),
      String(this.options.ttlSeconds * 1000), String(this.markerTtlMs()), this.options.mode,
    )) as [string, string?];
    const [outcome, user] = reply;
    if (outcome === 'rotated' && user) return { outcome, user, familyId, refreshToken: `${familyId}.${next}` };
    if ((outcome === 'reused_in_grace' || outcome === 'theft') && user) return { outcome, user, familyId };
    return { outcome: 'invalid' };
  }

  /**
   * Logout: revoke the family `user` logged in with (`familyId` from their verified access token)
   * or the family of a refresh token they present (which must verify and be theirs, in this mode).
   * True when a family was revoked. Rejects when Redis fails.
   */
  async revokeOwned(user: string, proof: { familyId: string } | { refreshToken: string }): Promise<boolean> {
    let familyId: string;
    let presentedHash = '';
    if ('refreshToken' in proof) {
      const match = TOKEN_PATTERN.exec(proof.refreshToken);
      if (!match) return false;
      familyId = match[1];
      presentedHash = hashOf(match[2]);
    } else {
      if (!/^[A-Za-z0-9_-]{22}$/.test(proof.familyId)) return false;
      familyId = proof.familyId;
    }
    const done = await this.redis.eval(
      REVOKE_SCRIPT, 2, FAMILY_PREFIX + familyId, REVOKED_FAMILY_PREFIX + familyId, String(this.clock.now()), String(this.markerTtlMs()),
      user, this.options.mode, presentedHash,
    );
    return done === 1;
  }

  // Every access token of the family expires within one access lifetime of now (+1 s of clock skew between replicas).
  private markerTtlMs(): number {
    return (this.options.accessTtlSeconds + 1) * 1000;
  }
}
