import type { Request, RequestHandler, Response } from 'express';
import type { SessionData, Store } from 'express-session';
import { AppError } from '../../../common/errors';
import type { Clock } from '../clock';
import { CSRF_HEADER, crossOriginReason, csrfTokenMatches, isStateChanging, newCsrfToken } from '../csrf';
import type { AuthMode, Identity, ModeName } from './auth-mode';
import { SessionCookie, newSessionId } from './session-cookie';
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

/**
 * The record a session store keeps, in express-session's shape (the `cookie` object it wrote
 * first): records written before this layer replaced express-session's middleware stay readable,
 * and /me shows the same `stored` as before.
 */
export type SessionRecord = Partial<Omit<SessionData, 'cookie'>> & {
  cookie: { originalMaxAge: null; expires: null; secure: boolean; httpOnly: true; path: string; sameSite: 'lax' };
};

export interface SessionModeOptions {
  name: Extract<ModeName, 'memory' | 'redis'>;
  /** express-session's store interface (get/set/destroy with callbacks): BoundedMemoryStore, connect-redis. */
  store: Store;
  secrets: readonly string[];
  /** Secure on every cookie (production); otherwise only when the request came over HTTPS. */
  secureCookies: boolean;
  timeouts: SessionTimeouts;
  instance: string;
  clock: Clock;
  /** Turns a store failure into the error the client sees (and counts it). */
  storeFailure: (cause: unknown) => AppError;
}

/** What the mode's middleware found for this request: the verified id of its cookie and the live record. */
interface LoadedSession {
  id: string | undefined;
  record: SessionRecord | undefined;
}

const LOADED = Symbol('authscale.session');
type WithSession = Request & { [LOADED]?: LoadedSession };

/**
 * Server-side sessions: cookie `sid_<mode>` scoped to `/<mode>`, signed (express-session's
 * format, rotating secrets), HttpOnly, SameSite=Lax, Secure always in production
 * (SESSION_COOKIE_SECURE), else when the request is HTTPS through a trusted proxy. Nothing is
 * stored and no cookie is set before login; login gets a fresh id and the old one is destroyed.
 *
 * A lean layer over express-session's store interface instead of its middleware, which per
 * request made a Session and a Cookie object, hashed the record twice (SHA-1) to detect changes
 * and wrapped the response's writeHead and end: here every write is explicit (login, a
 * rolling-touch renewal, a new CSRF token), so a request that changes nothing reads the store
 * once and writes nothing (docs/app.md, "Benchmark").
 */
export function createSessionMode(options: SessionModeOptions): AuthMode {
  const { name, clock, store, timeouts } = options;
  const path = `/${name}`;
  const cookie = new SessionCookie(`sid_${name}`, options.secrets);

  const storeCall = (fn: (cb: (err?: unknown) => void) => void): Promise<void> =>
    new Promise((resolve, reject) => {
      fn((err) => (err ? reject(options.storeFailure(err)) : resolve()));
    });
  const save = (id: string, record: SessionRecord) => storeCall((cb) => store.set(id, record as unknown as SessionData, cb));
  const destroy = (id: string) => storeCall((cb) => store.destroy(id, cb));

  const clearCookie = (req: Request, res: Response) =>
    res.clearCookie(cookie.name, { path, httpOnly: true, sameSite: 'lax', secure: options.secureCookies || req.secure });

  /**
   * Idle and absolute timeouts, from the session's own timestamps: an ended session is destroyed
   * in its store (so every replica refuses it) and the request goes on anonymous (→ 401).
   */
  const endTimedOut = (req: WithSession, res: Response, loaded: LoadedSession, next: (err?: unknown) => void): void => {
    const record = loaded.record;
    if (!record || typeof record.user !== 'string' || !sessionExpiry(timeouts, record, clock.now())) return refuseCrossSite(req, loaded, next);
    destroy(loaded.id!).then(() => {
      loaded.record = undefined;
      clearCookie(req, res);
      refuseCrossSite(req, loaded, next);
    }, next);
  };

  /**
   * CSRF: every state-changing request (login included, against login CSRF) must not come from
   * another origin; one that carries a live session must also send the session's token back.
   * Without a live session it goes on, and the route answers 401 as it would anyway.
   */
  const refuseCrossSite = (req: Request, loaded: LoadedSession, next: (err?: unknown) => void): void => {
    if (!isStateChanging(req.method)) return next();
    const reason = crossOriginReason(req);
    if (reason) return next(new AppError('csrf_rejected', `Cross-site request refused: ${reason}.`));
    const record = loaded.record;
    if (req.path === '/login' || !record || typeof record.user !== 'string') return next();
    if (!csrfTokenMatches(record.csrfToken, req.get(CSRF_HEADER))) {
      return next(new AppError('csrf_rejected', `Missing or wrong ${CSRF_HEADER} header: send the csrfToken from the login or /me answer.`));
    }
    next();
  };

  /** One middleware for the mode (each router layer costs a match per request): load, timeouts, CSRF. */
  const load: RequestHandler = (req: WithSession, res, next) => {
    const id = cookie.read(req.headers.cookie);
    const loaded: LoadedSession = { id, record: undefined };
    req[LOADED] = loaded;
    if (id === undefined) return endTimedOut(req, res, loaded, next);
    store.get(id, (err, found) => {
      if (err) return next(options.storeFailure(err));
      // Anything but an object (a foreign or corrupt record) is no session: fail closed.
      if (found !== null && typeof found === 'object') loaded.record = found as unknown as SessionRecord;
      endTimedOut(req, res, loaded, next);
    });
  };

  function loadedOf(req: Request): LoadedSession {
    const loaded = (req as WithSession)[LOADED];
    if (!loaded) throw new AppError('internal_error', 'the session middleware did not run');
    return loaded;
  }

  return {
    name,
    middleware: [load],

    async establish(req: Request, res: Response, user: string) {
      // A Secure cookie would be dropped by the browser on plain HTTP: say so instead of a cookie-less 200.
      if (options.secureCookies && !req.secure) throw new AppError('https_required');
      const loaded = loadedOf(req);
      // A new id at every login (no session fixation); the session the cookie named ends.
      if (loaded.id !== undefined) await destroy(loaded.id);
      loaded.id = undefined;
      loaded.record = undefined;
      const id = newSessionId();
      const now = clock.now();
      const secure = options.secureCookies || req.secure;
      const record: SessionRecord = {
        cookie: { originalMaxAge: null, expires: null, secure, httpOnly: true, path, sameSite: 'lax' },
        user, createdAt: now, lastSeenAt: now, loginInstance: options.instance, csrfToken: newCsrfToken(),
      };
      await save(id, record);
      loaded.id = id;
      loaded.record = record;
      // No Max-Age/Expires: the lifetime is the record's (timeouts and the store's TTL), so a renewal never re-sends the cookie.
      res.cookie(cookie.name, cookie.sign(id), { path, httpOnly: true, sameSite: 'lax', secure });
      return { csrfToken: record.csrfToken };
    },

    async identify(req: Request): Promise<Identity | undefined> {
      const loaded = loadedOf(req);
      const record = loaded.record;
      if (!record || typeof record.user !== 'string') return undefined;
      // A session from before CSRF tokens existed gets one now (once), or it could never log out.
      const tokenMissing = typeof record.csrfToken !== 'string';
      if (tokenMissing) record.csrfToken = newCsrfToken();
      if (tokenMissing || needsActivityWrite(timeouts, record, clock.now())) {
        record.lastSeenAt = clock.now();
        await save(loaded.id!, record);
      }
      return { user: record.user, stored: record, csrfToken: record.csrfToken as string };
    },

    async end(req: Request, res: Response) {
      const loaded = loadedOf(req);
      await destroy(loaded.id!);
      loaded.record = undefined;
      clearCookie(req, res);
      return undefined;
    },
  };
}
