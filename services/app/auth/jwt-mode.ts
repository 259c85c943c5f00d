import type { Request } from 'express';
import type { AuthMode, Identity } from './auth-mode';
import type { AccessTokens } from './access-tokens';

/** `Authorization: Bearer <token>`, scheme case-insensitive. */
export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** `/jwt`: stateless tokens; the server keeps nothing and /jwt/me touches no store. */
export function createJwtMode(tokens: AccessTokens, options: { ttlSeconds: number }): AuthMode {
  return {
    name: 'jwt',
    middleware: [],

    async establish(_req, _res, user) {
      const { token } = tokens.issue(user);
      return { accessToken: token, tokenType: 'Bearer', expiresIn: options.ttlSeconds };
    },

    async identify(req): Promise<Identity | undefined> {
      const token = bearerToken(req);
      const claims = token === undefined ? undefined : tokens.verify(token);
      if (!claims) return undefined;
      return { user: claims.sub, stored: null, claims };
    },

    // Honest logout: nothing to revoke; the token stays valid until it expires.
    async end(_req, _res, identity) {
      const exp = identity.claims?.exp as number;
      return {
        revoked: false,
        validUntil: new Date(exp * 1000).toISOString(),
        message: 'A stateless token cannot be revoked: it stays valid until it expires. Forget it on the client.',
      };
    },
  };
}
