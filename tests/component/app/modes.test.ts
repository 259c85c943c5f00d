import request from 'supertest';
import { DEMO, cookieFrom, setCookieLine, startTestApp, useTestApp, type TestApp } from './harness';

const t = useTestApp();

describe.each(['memory', 'redis'] as const)('%s sessions', (mode) => {
  const cookieName = `sid_${mode}`;

  test('when a demo user logs in, then /me knows them and shows the stored session, and logout ends it', async () => {
    const login = await request(t.app).post(`/${mode}/login`).send(DEMO);
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ user: 'alice', instance: 'app-test', csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(login.headers['x-instance']).toBe('app-test');
    const cookie = cookieFrom(login.headers['set-cookie'], cookieName);
    expect(cookie).toBeDefined();

    const me = await request(t.app).get(`/${mode}/me`).set('Cookie', cookie!);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: 'alice', instance: 'app-test', mode });
    expect(me.body.stored).toMatchObject({ user: 'alice', loginInstance: 'app-test', cookie: { path: `/${mode}` } });
    expect(me.body.claims).toBeUndefined();

    const logout = await request(t.app).post(`/${mode}/logout`).set('Cookie', cookie!).set('X-CSRF-Token', login.body.csrfToken);
    expect(logout.status).toBe(204);
    expect(setCookieLine(logout.headers['set-cookie'], cookieName)).toMatch(/Expires=Thu, 01 Jan 1970/);

    const after = await request(t.app).get(`/${mode}/me`).set('Cookie', cookie!);
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('unauthenticated');
  });

  test('when logging in, then the cookie is signed, HttpOnly, SameSite=Lax, scoped to its mode, and not Secure over plain HTTP', async () => {
    const login = await request(t.app).post(`/${mode}/login`).send(DEMO);
    const line = setCookieLine(login.headers['set-cookie'], cookieName)!;
    expect(line).toMatch(new RegExp(`^${cookieName}=s%3A`)); // "s:" = signed by express-session
    expect(line).toContain(`Path=/${mode}`);
    expect(line).toContain('HttpOnly');
    expect(line).toContain('SameSite=Lax');
    expect(line).not.toContain('Secure');
    // The store's TTL, not the browser, ends the session (README, "The app replica").
    expect(line).not.toMatch(/Max-Age|Expires/);
  });

  test('when the request came over HTTPS through a trusted proxy, then the cookie is Secure', async () => {
    const login = await request(t.app).post(`/${mode}/login`).set('X-Forwarded-Proto', 'https').send(DEMO);
    expect(login.status).toBe(200);
    expect(setCookieLine(login.headers['set-cookie'], cookieName)).toContain('Secure');
  });

  test('when no cookie is sent, then /me and /logout answer 401 and no session is created', async () => {
    const me = await request(t.app).get(`/${mode}/me`);
    expect(me.status).toBe(401);
    expect(me.headers['set-cookie']).toBeUndefined();
    const logout = await request(t.app).post(`/${mode}/logout`);
    expect(logout.status).toBe(401);
  });
});

describe('behind an untrusted hop', () => {
  let untrusting: TestApp;
  beforeAll(async () => {
    untrusting = await startTestApp(t.config.redis.url, { TRUST_PROXY: 'false' });
  });
  afterAll(async () => {
    await untrusting?.close();
  });

  test('when X-Forwarded-Proto says https but the sender is not a trusted proxy, then the cookie is not marked Secure', async () => {
    const login = await request(untrusting.app).post('/memory/login').set('X-Forwarded-Proto', 'https').send(DEMO);
    expect(login.status).toBe(200);
    expect(setCookieLine(login.headers['set-cookie'], 'sid_memory')).not.toContain('Secure');
  });
});

describe('jwt', () => {
  test('when a demo user logs in, then the bearer token works on /me, which shows the claims and stores nothing', async () => {
    const login = await request(t.app).post('/jwt/login').send({ username: 'bob', password: 'demo-password' });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ user: 'bob', instance: 'app-test', tokenType: 'Bearer', expiresIn: 900 });
    expect(login.headers['set-cookie']).toBeUndefined();

    const me = await request(t.app).get('/jwt/me').set('Authorization', `bearer ${login.body.accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: 'bob', mode: 'jwt', stored: null });
    expect(me.body.claims).toMatchObject({ sub: 'bob', iss: 'authscale', aud: 'authscale-api/jwt' });
    expect(me.body.claims.exp - me.body.claims.iat).toBe(900);
  });

  test('when logging out, then the answer says honestly that the token stays valid until it expires', async () => {
    const login = await request(t.app).post('/jwt/login').send(DEMO);
    const auth = `Bearer ${login.body.accessToken}`;
    const logout = await request(t.app).post('/jwt/logout').set('Authorization', auth);
    expect(logout.status).toBe(200);
    expect(logout.body.revoked).toBe(false);
    const me = await request(t.app).get('/jwt/me').set('Authorization', auth);
    expect(me.status).toBe(200);
    expect(logout.body.validUntil).toBe(new Date(me.body.claims.exp * 1000).toISOString());
  });

  test('when no token or a malformed Authorization header is sent, then 401', async () => {
    for (const header of [undefined, 'Basic abc', 'Bearer', 'Bearer not.a.token']) {
      const req = request(t.app).get('/jwt/me');
      const res = await (header ? req.set('Authorization', header) : req);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('unauthenticated');
    }
    expect((await request(t.app).post('/jwt/logout')).status).toBe(401);
  });
});

describe('login', () => {
  test.each(['memory', 'redis', 'jwt'])('when the user is unknown or the password wrong on /%s, then the same 401', async (mode) => {
    const unknown = await request(t.app).post(`/${mode}/login`).send({ username: 'mallory', password: 'demo-password' });
    const wrong = await request(t.app).post(`/${mode}/login`).send({ username: 'carol', password: 'nope' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual({ error: 'invalid_credentials', message: expect.any(String) });
    expect(wrong.body).toEqual(unknown.body);
    expect(unknown.headers['set-cookie']).toBeUndefined();
  });

  test('when the body is not JSON, then 400 invalid_json', async () => {
    const res = await request(t.app).post('/memory/login').set('Content-Type', 'application/json').send('{"username": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_json', message: expect.any(String) });
  });

  test.each([
    ['missing fields', {}],
    ['a number as password', { username: 'alice', password: 42 }],
    ['an empty username', { username: '', password: 'x' }],
    ['an array', [1, 2]],
  ])('when the body has %s, then 400 invalid_body', async (_what, body) => {
    const res = await request(t.app).post('/redis/login').send(body as object);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_body');
  });

  test('when the body is form-encoded, then 400 invalid_body naming JSON', async () => {
    const res = await request(t.app).post('/jwt/login').type('form').send('username=alice&password=demo-password');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_body');
    expect(res.body.message).toMatch(/application\/json/);
  });

  test('when the body is larger than 10 kB, then 413 payload_too_large', async () => {
    const res = await request(t.app).post('/jwt/login').send({ username: 'alice', password: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: 'payload_too_large', message: expect.any(String) });
    expect(res.headers['x-instance']).toBe('app-test');
  });
});

describe('operational routes', () => {
  test('when asking /health and /ready with Redis up, then both are 200', async () => {
    const health = await request(t.app).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', instance: 'app-test' });
    const ready = await request(t.app).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ redis: 'up' });
  });

  test('when /settings is asked, then it says what shapes the bench\'s figures, SESSION_WAIT_REPLICAS included', async () => {
    const res = await request(t.app).get('/settings');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ instance: 'app-test', passwordHashCost: 10, sessionTouch: 'rolling', sessionWaitReplicas: 0, redisAppendonly: expect.any(Boolean) });
  });

  test('when a route does not exist, then 404 JSON with X-Instance and no stack trace', async () => {
    const res = await request(t.app).get('/memory/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found', message: expect.any(String) });
    expect(res.headers['x-instance']).toBe('app-test');
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  test('when a known route is called with the wrong method, then 405 with Allow', async () => {
    const res = await request(t.app).get('/redis/login');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body.error).toBe('method_not_allowed');
  });

  test('when requests were served, then /metrics counts them by mode, route and status, and counts logins', async () => {
    await request(t.app).get('/jwt/me');
    await request(t.app).post('/jwt/login').send(DEMO);
    const res = await request(t.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(/authscale_http_requests_total\{[^}]*mode="jwt",route="\/jwt\/me",status="401"[^}]*\} \d+/);
    expect(res.text).toMatch(/authscale_logins_total\{[^}]*mode="jwt",outcome="ok"[^}]*\} \d+/);
    expect(res.text).toContain('authscale_session_store_errors_total');
  });

  test('when a replica has written no session yet, then /metrics already shows the timed writes at 0 (a reading before the first login is not a gap)', async () => {
    const fresh = await startTestApp(t.config.redis.url);
    try {
      const text = (await request(fresh.app).get('/metrics')).text;
      expect(text).toMatch(/^authscale_session_write_seconds_count\{[^}]*mode="redis"[^}]*\} 0$/m);
    } finally {
      await fresh.close();
    }
  });

  test('when a user logs in on /redis, then the session is written once (not again as the response ends) and /metrics times that write (what a WAIT for the replicas adds to a login is read from it)', async () => {
    const writes = async (): Promise<{ count: number; sum: number }> => {
      const text = (await request(t.app).get('/metrics')).text;
      const value = (name: string): number => Number(new RegExp(`^authscale_session_write_seconds_${name}\\{[^}]*mode="redis"[^}]*\\} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
      return { count: value('count'), sum: value('sum') };
    };
    const before = await writes();
    const login = await request(t.app).post('/redis/login').send(DEMO);
    expect(login.status).toBe(200);
    const after = await writes();
    expect(after.count - before.count).toBe(1);
    // A real SET over loopback: more than nothing, far less than the command timeout.
    expect(after.sum - before.sum).toBeGreaterThan(0);
    expect(after.sum - before.sum).toBeLessThan(0.5);
  });
});
