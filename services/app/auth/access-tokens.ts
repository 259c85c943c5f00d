import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Clock } from '../clock';

export interface AccessTokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface AccessTokenClaims {
  sub: string;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  [claim: string]: unknown;
}

const ALGORITHM = 'HS256';

/**
 * Signs and verifies HS256 access tokens. The key is a KeyObject: with a string secret,
 * jsonwebtoken first tries createPublicKey() on every call (~50x slower, see STACK.md).
 * Exactly one algorithm is accepted (so `alg: none` and algorithm confusion fail), `exp` is
 * required, and issuer and audience are checked. `kid` names the key, for later rotation.
 */
export class AccessTokens {
  private readonly key: crypto.KeyObject;
  readonly keyId: string;

  constructor(
    private readonly options: AccessTokenOptions,
    private readonly clock: Clock,
  ) {
    const secret = Buffer.from(options.secret, 'utf8');
    this.key = crypto.createSecretKey(secret);
    this.keyId = crypto.createHash('sha256').update(secret).digest('hex').slice(0, 8);
  }

  issue(user: string): { token: string; claims: AccessTokenClaims } {
    const iat = Math.floor(this.clock.now() / 1000);
    const payload = { sub: user, iat, jti: crypto.randomUUID() };
    const token = jwt.sign(payload, this.key, {
      algorithm: ALGORITHM,
      expiresIn: this.options.ttlSeconds,
      issuer: this.options.issuer,
      audience: this.options.audience,
      keyid: this.keyId,
    });
    return {
      token,
      claims: { ...payload, iss: this.options.issuer, aud: this.options.audience, exp: iat + this.options.ttlSeconds },
    };
  }

  /** The claims of a valid token, or undefined for anything forged, expired, foreign or malformed. */
  verify(token: string): AccessTokenClaims | undefined {
    let claims: string | jwt.JwtPayload;
    try {
      claims = jwt.verify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTimestamp: Math.floor(this.clock.now() / 1000),
      });
    } catch {
      return undefined;
    }
    if (typeof claims !== 'object' || typeof claims.exp !== 'number' || typeof claims.sub !== 'string') return undefined;
    return claims as AccessTokenClaims;
  }
}
