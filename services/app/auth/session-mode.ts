import type { Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { AppError } from '../../common/errors';
import type { Clock } from '../clock';
import type { TouchPolicy } from '../config';
import type { AuthMode, Identity, ModeName } from './auth-mode';

declare module 'express-session' {
  interface SessionData {
    user: string;
    /** Epoch ms of the login. */
    createdAt: number;
    /** Epoch ms of the last lifetime renewal written to the store (touch policy). */
    renewedAt: number;
    /** The replica that created the session: shows, on /me, that another one can read it. */
    loginInstance: string;
  }
}

export interface SessionModeOptions {
  name: Extract<ModeName, 'memory' | 'redis'>;
  store: session.Store;
  secrets: readonly string[];
  ttlSeconds: number;
  touch: TouchPolicy;
  instance: string;
  clock: Clock;
  /** Turns a store failure into the error the client sees (and counts it). */
  storeFailure: (cause: unknown) => AppError;
}

/**
 * Server-side sessions with express-session: cookie `sid_<mode>` scoped to `/<mode>`, signed,
 * HttpOnly, SameSite=Lax, Secure when the request is HTTPS through a trusted proxy.
 * Nothing is stored before login (saveUninitialized: false); login gets a fresh id (regenerate).
 */
export function createSessionMode(options: SessionModeOptions): AuthMode {
  const { name, clock } = options;
  const path = `/${name}`;
  const cookieName = `sid_${name}`;
  const ttlMs = options.ttlSeconds * 1000;

  const sessionMiddleware = session({
    name: cookieName,
    secret: [...options.secrets],
    store: options.store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    // No Max-Age: the lifetime is enforced by the store (TTL) alone, so a renewal never has to
    // re-send the cookie, and express-session skips re-hashing the session on every response to
    // decide whether to (one SHA-1 of the record; within noise in docs/app.md's measurements).
    cookie: { path, httpOnly: true, sameSite: 'lax', secure: 'auto' },
  });

  const load: RequestHandler = (req, res, next) => {
    sessionMiddleware(req, res, (err?: unknown) => (err ? next(options.storeFailure(err)) : next()));
  };

  /**
   * A store operation as a promise. On failure the request's session is dropped: otherwise
   * express-session would try to save the (regenerated or renewed) session again when the
   * error response ends, fail again, and abort the connection instead of delivering the 503.
   */
  const call = (req: Request, fn: (cb: (err?: unknown) => void) => void): Promise<void> =>
    new Promise((resolve, reject) =>
      fn((err) => {
        if (!err) return resolve();
        (req as { session?: unknown }).session = undefined;
        reject(options.storeFailure(err));
      }),
    );

  function requireSession(req: Request): session.Session & Partial<session.SessionData> {
    // express-session skips loading when its store reports itself disconnected.
    if (!req.session) throw options.storeFailure(new Error('session store not ready'));
    return req.session;
  }

  /**
   * Touch policy: `always` rewrites the lifetime on every request (a second store round trip),
   * `rolling` only once the session is past half its lifetime, `never` gives a fixed lifetime.
   * A rewrite is a save, which renews the store's TTL (memory: SESSION_TTL_SECONDS from now;
   * connect-redis: SET … EX ttl).
   */
  function needsRenewal(renewedAt: number | undefined): boolean {
    if (options.touch === 'never') return false;
    if (options.touch === 'always') return true;
    return renewedAt === undefined || clock.now() - renewedAt >= ttlMs / 2;
  }

  return {
    name,
    middleware: [load],

    async establish(req: Request, _res: Response, user: string) {
      await call(req, (cb) => requireSession(req).regenerate(cb));
      const fresh = requireSession(req);
      const now = clock.now();
      fresh.user = user;
      fresh.createdAt = now;
      fresh.renewedAt = now;
      fresh.loginInstance = options.instance;
      await call(req, (cb) => fresh.save(cb));
      return {};
    },

    async identify(req: Request): Promise<Identity | undefined> {
      const current = requireSession(req);
      if (typeof current.user !== 'string') return undefined;
      if (needsRenewal(current.renewedAt)) {
        current.renewedAt = clock.now();
        // An explicit save, so a store failure is a clean 503 instead of an error after the response.
        await call(req, (cb) => current.save(cb));
      }
      return { user: current.user, stored: current };
    },

    async end(req: Request, res: Response) {
      await call(req, (cb) => requireSession(req).destroy(cb));
      res.clearCookie(cookieName, { path, httpOnly: true, sameSite: 'lax', secure: req.secure });
      return undefined;
    },
  };
}
