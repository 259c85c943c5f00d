import express, { type IRouter, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../../common/errors';
import type { AuthMode } from './auth/auth-mode';
import { checkLogin, type LoginCheckDeps } from './login-check';
import type { AppMetrics } from './metrics';
import { redisEndpoint, type RedisClient } from './redis-client';

const credentialsSchema = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

const jsonBody = express.json({ limit: '10kb', strict: true });

function parseCredentials(req: Request): z.infer<typeof credentialsSchema> {
  if (!req.is('application/json')) {
    throw new AppError('invalid_body', 'Send a JSON body (Content-Type: application/json) with username and password.');
  }
  const parsed = credentialsSchema.safeParse(req.body);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(body)'))].join(', ');
    throw new AppError('invalid_body', `Expected {username, password} as non-empty strings; problem with: ${fields}.`);
  }
  return parsed.data;
}

export interface ModeRouteDeps {
  instance: string;
  login: LoginCheckDeps;
  metrics: AppMetrics;
}

/** Aborts when the client's connection closes before the answer is written (it gave up). */
function clientGoneSignal(res: express.Response): AbortSignal {
  const controller = new AbortController();
  if (res.socket?.destroyed) controller.abort();
  else res.once('close', () => { if (!res.writableFinished) controller.abort(); });
  return controller.signal;
}

/**
 * POST /login, GET /me, POST /logout of one mode, as in the HTTP API of docs/design.md, added to
 * `router` (a token mode's router already holds its lifecycle routes: one router to enter per request).
 */
export function modeRoutes(mode: AuthMode, deps: ModeRouteDeps, router: IRouter = express.Router()): IRouter {
  const { instance, metrics } = deps;
  if (mode.middleware.length > 0) router.use(...mode.middleware);

  router.post('/login', jsonBody, async (req, res) => {
    const { username, password } = parseCredentials(req);
    // Client address from req.ip: X-Forwarded-For counts only from a TRUST_PROXY address.
    const attempt = { address: req.ip ?? req.socket.remoteAddress ?? 'unknown', account: username };
    const checked = await checkLogin(deps.login, attempt, password, clientGoneSignal(res));
    if (checked.outcome === 'gone') {
      metrics.logins.inc({ mode: mode.name, outcome: 'abandoned' });
      return; // its connection is closed: nobody to answer
    }
    if (checked.outcome !== 'ok') {
      metrics.logins.inc({ mode: mode.name, outcome: checked.outcome });
      throw checked.error;
    }
    const user = checked.user;
    const extra = await mode.establish(req, res, user);
    metrics.logins.inc({ mode: mode.name, outcome: 'ok' });
    res.json({ user, instance, ...extra });
  });

  router.get('/me', async (req, res) => {
    const identity = await mode.identify(req);
    if (!identity) throw new AppError('unauthenticated');
    res.json({
      user: identity.user,
      instance,
      mode: mode.name,
      stored: identity.stored,
      ...(identity.claims ? { claims: identity.claims } : {}),
      ...(identity.csrfToken ? { csrfToken: identity.csrfToken } : {}),
    });
  });

  router.post('/logout', async (req, res) => {
    const identity = await mode.identify(req);
    if (!identity) throw new AppError('unauthenticated');
    const body = await mode.end(req, res, identity);
    metrics.logouts.inc({ mode: mode.name });
    if (body) res.json({ ...body, instance });
    else res.status(204).end();
  });

  // A known route with the wrong method gets 405 and Allow, not a misleading 404.
  for (const [route, allow] of [['/login', 'POST'], ['/me', 'GET, HEAD'], ['/logout', 'POST']] as const) {
    router.all(route, () => {
      throw new AppError('method_not_allowed', undefined, { headers: { Allow: allow } });
    });
  }

  return router;
}

export interface ReplicaSettings {
  passwordHashCost: number;
  sessionTouch: string;
  /** SESSION_WAIT_REPLICAS: what a failover can lose depends on it (docs/redis-ha.md). */
  sessionWaitReplicas: number;
}

/**
 * /health (liveness: no dependency), /ready (Redis answers), /metrics (Prometheus), /settings (read-only), added to
 * `router` (the app itself, so other requests do not enter and leave a sub-router on the way).
 */
export function operationalRoutes(
  deps: { instance: string; redis: RedisClient; metrics: AppMetrics; settings: ReplicaSettings },
  router: IRouter = express.Router(),
): IRouter {
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', instance: deps.instance });
  });
  // Read-only: the settings that shape the bench's figures, so a report states what the target
  // runs with instead of assuming it. Redis persistence is asked of Redis itself (null when down).
  router.get('/settings', async (_req, res) => {
    const info = await deps.redis.info('persistence').catch(() => undefined);
    const aof = info ? /^aof_enabled:(\d)/m.exec(info) : null;
    res.set('Cache-Control', 'no-store').json({
      instance: deps.instance,
      ...deps.settings,
      redisAppendonly: aof ? aof[1] === '1' : null,
    });
  });
  router.get('/ready', async (_req, res) => {
    const redisUp = await deps.redis.ping().then(() => true, () => false);
    res.status(redisUp ? 200 : 503).json({
      status: redisUp ? 'ok' : 'degraded',
      instance: deps.instance,
      checks: { redis: redisUp ? 'up' : 'down' },
      // Which Redis node this replica writes to (with Sentinels: the primary it follows).
      redis: { node: redisEndpoint(deps.redis), sentinel: deps.redis.options.sentinels ? deps.redis.options.sentinels.length > 0 : false },
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}

const ROUTE_LABELS = new Set(['/health', '/ready', '/metrics', '/settings']);
for (const mode of ['memory', 'redis', 'jwt']) for (const r of ['login', 'me', 'logout']) ROUTE_LABELS.add(`/${mode}/${r}`);
for (const r of ['login', 'me', 'logout', 'refresh']) ROUTE_LABELS.add(`/jwt-revocable/${r}`);
ROUTE_LABELS.add('/jwt/refresh');

/** Counts every answered request by mode, route and status; unknown paths share one label. */
export function requestMetrics(metrics: AppMetrics): RequestHandler {
  return (req, res, next) => {
    const path = req.path;
    res.once('finish', () => {
      const known = ROUTE_LABELS.has(path);
      const slash = path.indexOf('/', 1);
      metrics.requests.inc({
        mode: known && slash > 0 ? path.slice(1, slash) : 'none',
        route: known ? path : 'unmatched',
        status: String(res.statusCode),
      });
    });
    next();
  };
}
