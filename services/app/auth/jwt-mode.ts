import type { Request } from 'express';
import { AppError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import type { AppMetrics } from '../metrics';
import type { AccessTokenClaims, AccessTokens } from './access-tokens';
import type { AuthMode, Identity, ModeName } from './auth-mode';
import type { RefreshTokens } from './refresh-tokens';
import type { TokenDenylist } from './token-denylist';

/** `Authorization: Bearer <token>`, scheme case-insensitive. */
export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export interface JwtModeDeps {
  tokens: AccessTokens;
  refresh: RefreshTokens;
  metrics: AppMetrics;
  logger: Logger;
}

/**
 * An access token plus, when Redis answers, the first refresh token of a new family. Without
 * Redis the login still succeeds (the access token needs no store) but cannot be refreshed:
 * `/jwt` stays as available as a stateless mode should be.
 */
export async function issueTokens(deps: JwtModeDeps, mode: ModeName, user: string): Promise<Record<string, unknown>> {
  let family: { familyId: string; refreshToken: string } | undefined;
  try {
    family = await deps.refresh.startFamily(user);
  } catch (err) {
    deps.metrics.sessionStoreErrors.inc({ mode });
    deps.logger.warn({ mode, err: err instanceof Error ? err.message : String(err) }, 'refresh family not stored; access token only');
  }
  const { token } = deps.tokens.issue(user, { fid: family?.familyId });
  return {
    accessToken: token,
    tokenType: 'Bearer',
    expiresIn: deps.tokens.ttlSeconds,
    refreshToken: family?.refreshToken ?? null,
    refreshExpiresIn: family ? deps.refresh.ttlSeconds : null,
  };
}

/**
 * Revoke the refresh families of a logout: the token's own (`fid`, signed) and the family of a
 * refreshToken in the body — only if that token verifies and its family is the caller's.
 */
async function revokeFamilies(deps: JwtModeDeps, req: Request, claims: AccessTokenClaims): Promise<boolean> {
  const presented = (req.body as { refreshToken?: unknown } | undefined)?.refreshToken;
  const revoked = await Promise.all([
    typeof claims.fid === 'string' ? deps.refresh.revokeOwned(claims.sub, { familyId: claims.fid }) : false,
    typeof presented === 'string' ? deps.refresh.revokeOwned(claims.sub, { refreshToken: presented }) : false,
  ]);
  return revoked.some(Boolean);
}

function identifyByToken(tokens: AccessTokens, req: Request): AccessTokenClaims | undefined {
  const token = bearerToken(req);
  return token === undefined ? undefined : tokens.verify(token);
}

/** `/jwt`: stateless tokens; /jwt/me touches no store. */
export function createJwtMode(deps: JwtModeDeps): AuthMode {
  return {
    name: 'jwt',
    middleware: [],

    establish: (_req, _res, user) => issueTokens(deps, 'jwt', user),

    async identify(req): Promise<Identity | undefined> {
      const claims = identifyByToken(deps.tokens, req);
      if (!claims) return undefined;
      return { user: claims.sub, stored: null, claims };
    },

    // Honest logout: the access token cannot be revoked and stays valid until it expires.
    // Its refresh family can be (best effort: without Redis there is nothing to refresh anyway).
    async end(req, _res, identity) {
      const claims = identity.claims as AccessTokenClaims;
      let refreshRevoked = false;
      try {
        refreshRevoked = await revokeFamilies(deps, req, claims);
      } catch {
        deps.metrics.sessionStoreErrors.inc({ mode: 'jwt' });
      }
      return {
        revoked: false,
        validUntil: new Date(claims.exp * 1000).toISOString(),
        refreshRevoked,
        message: 'A stateless token cannot be revoked: it stays valid until it expires. Forget it on the client.'
          + (refreshRevoked ? ' Its refresh token was revoked, so it cannot be renewed.' : ''),
      };
    },
  };
}

/**
 * `/jwt-revocable`: the same tokens, plus one Redis round trip per request to a shared denylist.
 * Fails closed: when the denylist cannot be read, a token might be revoked, so the answer is 503,
 * not 200 — logout must mean logout. (Failing open would turn every Redis outage into "every
 * revoked token works again", exactly when an attacker would make Redis fail.)
 */
export function createRevocableJwtMode(deps: JwtModeDeps & { denylist: TokenDenylist }): AuthMode {
  const storeDown = (cause: unknown): AppError => {
    deps.metrics.sessionStoreErrors.inc({ mode: 'jwt-revocable' });
    return new AppError('store_unavailable', 'The token denylist (Redis) is unavailable, so revocation cannot be checked.', { cause });
  };
  return {
    name: 'jwt-revocable',
    middleware: [],

    establish: (_req, _res, user) => issueTokens(deps, 'jwt-revocable', user),

    async identify(req): Promise<Identity | undefined> {
      const claims = identifyByToken(deps.tokens, req);
      if (!claims) return undefined;
      const revoked = await deps.denylist.isRevoked(claims).catch((err: unknown) => {
        throw storeDown(err);
      });
      if (revoked) return undefined;
      return { user: claims.sub, stored: null, claims };
    },

    // 204: the token (and its refresh family) is refused by every replica from now on.
    async end(req, _res, identity) {
      const claims = identity.claims as AccessTokenClaims;
      try {
        await deps.denylist.revoke(claims);
        await revokeFamilies(deps, req, claims);
      } catch (err) {
        throw storeDown(err);
      }
      return undefined;
    },
  };
}
