import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Clock } from '../clock';
import type { KeyRing } from './signing-keys';

export interface AccessTokenOptions {
  issuer: string;
  /** One audience per mode (`<JWT_AUDIENCE>/<mode>`): a token is accepted only by the mode that issued it. */
  audience: string;
  ttlSeconds: number;
}

/** How far a token's `iat` may lie ahead of this replica's clock (replicas' clocks differ a little). */
export const ISSUED_AT_SKEW_SECONDS = 5;

/** The audience of one mode's tokens: the configured API audience, narrowed to the mode. */
export function modeAudience(apiAudience: string, mode: string): string {
  return `${apiAudience}/${mode}`;
}

export interface AccessTokenClaims {
  sub: string;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  /** The refresh family this token was issued in (absent when Redis was down at login). */
  fid?: string;
  [claim: string]: unknown;
}

/** RFC 9068 explicit type: a token of any other kind (or none) is never taken as an access token. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** Decoded JOSE header, or undefined when the first segment is not a JSON object. */
function tokenHeader(token: string): Record<string, unknown> | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot > 1024) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    return header && typeof header === 'object' && !Array.isArray(header) ? (header as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signs and verifies access tokens with the key ring (RFC 8725): the header's `kid` picks the
 * key from a Map (unknown or odd kid → refused), the key decides the one algorithm accepted
 * (so `alg: none` and HS256-against-a-public-key fail), `typ` must be `at+jwt`, `exp` and `iat`
 * are required, issuer and the mode's audience are checked, `iat` may not lie in the future
 * (beyond a small skew) and `exp - iat` may not exceed the configured lifetime (a token minted
 * with a stolen key for a year is refused). Keys are KeyObjects (a string is ~50x slower).
 */
export class AccessTokens {
  constructor(
    private readonly keys: KeyRing,
    private readonly options: AccessTokenOptions,
    private readonly clock: Clock,
  ) {}

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  issue(user: string, extra: { fid?: string } = {}): { token: string; claims: AccessTokenClaims } {
    const iat = Math.floor(this.clock.now() / 1000);
    const payload = { sub: user, iat, jti: crypto.randomUUID(), ...(extra.fid ? { fid: extra.fid } : {}) };
    const signer = this.keys.signer;
    const token = jwt.sign(payload, signer.signWith, {
      algorithm: signer.algorithm,
      expiresIn: this.options.ttlSeconds,
      issuer: this.options.issuer,
      audience: this.options.audience,
      keyid: signer.kid,
      header: { alg: signer.algorithm, typ: ACCESS_TOKEN_TYPE },
    });
    return {
      token,
      claims: { ...payload, iss: this.options.issuer, aud: this.options.audience, exp: iat + this.options.ttlSeconds },
    };
  }

  /** The claims of a valid token, or undefined for anything forged, expired, foreign, retired or malformed. */
  verify(token: string): AccessTokenClaims | undefined {
    const header = tokenHeader(token);
    if (!header || header.typ !== ACCESS_TOKEN_TYPE) return undefined;
    const key = this.keys.find(header.kid);
    if (!key) return undefined;
    const now = Math.floor(this.clock.now() / 1000);
    let claims: string | jwt.JwtPayload;
    try {
      claims = jwt.verify(token, key.verifyWith, {
        algorithms: [key.algorithm],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTimestamp: now,
      });
    } catch {
      return undefined;
    }
    if (typeof claims !== 'object' || typeof claims.exp !== 'number' || typeof claims.iat !== 'number'
      || typeof claims.sub !== 'string' || typeof claims.jti !== 'string') {
      return undefined;
    }
    if (claims.iat > now + ISSUED_AT_SKEW_SECONDS) return undefined;
    if (claims.exp - claims.iat > this.options.ttlSeconds) return undefined;
    return claims as AccessTokenClaims;
  }
}
