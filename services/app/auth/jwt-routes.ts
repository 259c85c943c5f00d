import express, { type IRouter, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import type { AppMetrics } from '../metrics';
import type { AccessTokens } from './access-tokens';
import type { ModeName } from './auth-mode';
import type { RefreshTokens } from './refresh-tokens';
import type { KeyRing } from './signing-keys';

const jsonBody = express.json({ limit: '10kb', strict: true });
const refreshSchema = z.object({ refreshToken: z.string().min(1).max(512) });

function parseRefreshToken(req: Request): string {
  if (!req.is('application/json')) {
    throw new AppError('invalid_body', 'Send a JSON body (Content-Type: application/json) with refreshToken.');
  }
  const parsed = refreshSchema.safeParse(req.body);
  if (!parsed.success) throw new AppError('invalid_body', 'Expected {refreshToken} as a non-empty string.');
  return parsed.data.refreshToken;
}

export interface TokenLifecycleDeps {
  instance: string;
  tokens: AccessTokens;
  refresh: RefreshTokens;
  metrics: AppMetrics;
  logger: Logger;
}

/**
 * The token routes beyond login/me/logout, added to a token mode's router before its mode
 * routes: `POST /refresh` (rotation), and a JSON body parser for `POST /logout` (which may name
 * a refresh token to revoke). Bearer routes carry no cookie, so no CSRF token applies.
 */
export function tokenLifecycleRoutes(mode: ModeName, deps: TokenLifecycleDeps, router: IRouter = express.Router()): IRouter {
  const { instance, tokens, refresh, metrics, logger } = deps;
  const log = logger.child({ component: 'refresh', mode });

  router.post('/refresh', jsonBody, async (req, res) => {
    const presented = parseRefreshToken(req);
    let result;
    try {
      result = await refresh.rotate(presented);
    } catch (err) {
      metrics.refreshes.inc({ mode, outcome: 'store_unavailable' });
      metrics.sessionStoreErrors.inc({ mode });
      throw new AppError('store_unavailable', 'Refresh families live in Redis, which is unavailable; the access token keeps working until it expires.', { cause: err });
    }
    metrics.refreshes.inc({ mode, outcome: result.outcome });
    switch (result.outcome) {
      case 'rotated': {
        const { token } = tokens.issue(result.user, { fid: result.familyId });
        res.json({
          user: result.user, instance, accessToken: token, tokenType: 'Bearer', expiresIn: tokens.ttlSeconds,
          refreshToken: result.refreshToken, refreshExpiresIn: refresh.ttlSeconds,
        });
        return;
      }
      case 'reused_in_grace':
        throw new AppError('refresh_token_reused');
      case 'theft':
        // One line per state change: a family revoked for reuse is worth an operator's attention.
        log.warn({ user: result.user, family: result.familyId }, 'refresh token reused after the grace period: family revoked');
        throw new AppError('unauthenticated', 'This refresh token was already used: the whole login was revoked on every replica (possible token theft). Log in again.');
      default:
        throw new AppError('unauthenticated', 'The refresh token is invalid, expired or revoked. Log in again.');
    }
  });
  router.all('/refresh', () => {
    throw new AppError('method_not_allowed', undefined, { headers: { Allow: 'POST' } });
  });

  // Only parses; the mode's own logout route answers.
  router.post('/logout', jsonBody, (_req, _res, next) => next());
  return router;
}

export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * `GET /.well-known/jwks.json`: the public verification keys (none when only HS256 keys exist).
 * A handler for the app to route at JWKS_PATH, not a router every request would enter and leave.
 */
export function jwksHandler(keys: KeyRing): RequestHandler {
  const body = JSON.stringify(keys.publicJwks());
  return (_req, res) => {
    // Verifiers may cache it briefly; a newly added key must be published before it signs.
    res.set('Cache-Control', 'public, max-age=300').type('application/json').send(body);
  };
}
