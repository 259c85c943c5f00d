import type { Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { AppError } from '../../../common/errors';
import type { Clock } from '../clock';
import { CSRF_HEADER, crossOriginReason, csrfTokenMatches, isStateChanging, newCsrfToken } from '../csrf';
import type { AuthMode, Identity, ModeName } from './auth-mode';
import { needsActivityWrite, sessionExpiry, type SessionTimeouts } from './session-timeouts';

declare module 'express-session' {
  interface SessionData {
    user: string;
    /** Epoch ms of the login: the absolute timeout counts from it. */
    createdAt: number;
    /** Epoch ms of the last request written to the store (coarse, see the touch policy): the idle timeout counts from it. */
    lastSeenAt: number;
    /** The synchronizer token a state-changing request must send back in X-CSRF-Token. */
    csrfToken: string;
    /** The replica that created the session: shows, on /me, that another one can read it. */
    loginInstance: string;
  }
}

export interface SessionModeOptions {
  name: Extract<ModeName, 'memory' | 'redis'>;
  store: session.Store;
  secrets: readonly string[];
  /** Secure on every cookie (production); otherwise only when the request came over HTTPS. */
  secureCookies: boolean;
  timeouts: SessionTimeouts;
  instance: string;
  clock: Clock;
  /** Turns a store failure into the error the client sees (and counts it). */
  storeFailure: (cause: unknown) => AppError;
}

/**
 * Server-side sessions with express-session: cookie `sid_<mode>` scoped to `/<mode>`, signed,
 * HttpOnly, SameSite=Lax, Secure always in production (SESSION_COOKIE_SECURE), else when the
 * request is HTTPS through a trusted proxy.
 * Nothing is stored before login (saveUninitialized: false); login gets a fresh id (regenerate).
 */
export function createSessionMode(options: SessionModeOptions): AuthMode {
  const { name, clock } = options;
  const path = `/${name}`;
  const cookieName = `sid_${name}`;
  const { timeouts } = options;

  const sessionMiddleware = session({
    name: cookieName,
    secret: [...options.secrets],
    store: options.store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    // No Max-Age: the lifetime is enforced by the session's timestamps and the store's TTL, so a renewal never has to
    // re-send the cookie, and express-session skips re-hashing the session on every response to
    // decide whether to (one SHA-1 of the record; within noise in the README's app benchmark).
    cookie: { path, httpOnly: true, sameSite: 'lax', secure: options.secureCookies ? true : 'auto' },
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

  const clearCookie = (req: Request, res: Response) =>
    res.clearCookie(cookieName, { path, httpOnly: true, sameSite: 'lax', secure: options.secureCookies || req.secure });

  /**
   * Idle and absolute timeouts, from the session's own timestamps: an ended session is destroyed
   * in its store (so every replica refuses it) and the request goes on anonymous (→ 401).
   */
  const endTimedOut: RequestHandler = (req, res, next) => {
    const current = req.session as (session.Session & Partial<session.SessionData>) | undefined;
    if (!current || typeof current.user !== 'string' || !sessionExpiry(timeouts, current, clock.now())) return next();
    call(req, (cb) => current.regenerate(cb)).then(() => {
      clearCookie(req, res);
      next();
    }, next);
  };

  /**
   * CSRF: every state-changing request (login included, against login CSRF) must not come from
   * another origin; one that carries a live session must also send the session's token back.
   * Without a live session it goes on, and the route answers 401 as it would anyway.
   */
  const refuseCrossSite: RequestHandler = (req, _res, next) => {
    if (!isStateChanging(req.method)) return next();
    const reason = crossOriginReason(req);
    if (reason) return next(new AppError('csrf_rejected', `Cross-site request refused: ${reason}.`));
    const current = req.session as (session.Session & Partial<session.SessionData>) | undefined;
    if (req.path === '/login' || !current || typeof current.user !== 'string') return next();
    if (!csrfTokenMatches(current.csrfToken, req.get(CSRF_HEADER))) {
      return next(new AppError('csrf_rejected', `Missing or wrong ${CSRF_HEADER} header: send the csrfToken from the login or /me answer.`));
    }
    next();
  };

  return {
    name,
    middleware: [load, endTimedOut, refuseCrossSite],

    async establish(req: Request, _res: Response, user: string) {
      // express-session silently drops a Secure cookie on plain HTTP: say so instead of a cookie-less 200.
      if (options.secureCookies && !req.secure) throw new AppError('https_required');
      await call(req, (cb) => requireSession(req).regenerate(cb));
      const fresh = requireSession(req);
      const now = clock.now();
      fresh.user = user;
      fresh.createdAt = now;
      fresh.lastSeenAt = now;
      fresh.loginInstance = options.instance;
      fresh.csrfToken = newCsrfToken();
      await call(req, (cb) => fresh.save(cb));
      // regenerate() hands back a session express-session does not track as saved, so it wrote it
      // a second time as the response ended: one more SET (and WAIT) per login. Saved: skip that.
      Object.defineProperty(fresh, 'save', { configurable: true, enumerable: false, writable: true, value: (cb?: (err?: unknown) => void) => { cb?.(); return fresh; } });
      return { csrfToken: fresh.csrfToken };
    },

    async identify(req: Request): Promise<Identity | undefined> {
      const current = requireSession(req);
      if (typeof current.user !== 'string') return undefined;
      // A session from before CSRF tokens existed gets one now (once), or it could never log out.
      const tokenMissing = typeof current.csrfToken !== 'string';
      if (tokenMissing) current.csrfToken = newCsrfToken();
      if (tokenMissing || needsActivityWrite(timeouts, current, clock.now())) {
        current.lastSeenAt = clock.now();
        // An explicit save, so a store failure is a clean 503 instead of an error after the response.
        await call(req, (cb) => current.save(cb));
      }
      return { user: current.user, stored: current, csrfToken: current.csrfToken as string };
    },

    async end(req: Request, res: Response) {
      await call(req, (cb) => requireSession(req).destroy(cb));
      clearCookie(req, res);
      return undefined;
    },
  };
}
