import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../common/config';
import { loadProxyConfig } from '../../../proxy/config';
import type { RunningProxy } from '../../../proxy/server';
import { RedisServer } from '../../support/redis-server';
import { proxyOver, startReplicas, type Replicas } from '../app/session-replicas';
import { startProxy } from './support';

/**
 * Issue 13, item 5: in production session cookies are always Secure, so the proxy terminates TLS
 * (TLS_CERT_FILE/TLS_KEY_FILE) and tells the replicas the request was HTTPS. A real proxy with a
 * certificate made by openssl (the command docs/security.md gives), real production replicas.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-tls-'));
const cert = path.join(dir, 'cert.pem');
const key = path.join(dir, 'key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
  '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
const ca = fs.readFileSync(cert);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const PRODUCTION = {
  APP_ENV: 'production',
  SESSION_SECRET: 'k3J9x!Qp2vLz8Rt5Wm1Yb7Hc4Nd6Fg0Sa',
  JWT_SECRET: 'Zq8Lm2Xv5Rt9Wp1Kc7Hb4Nd6Fg3Sa0Jy!E',
  DEMO_PASSWORD: 'Another-Strong-Pass-123',
  PASSWORD_HASH_COST: '17', // validated; the test's demo users are hashed once, cheaply, by startReplicas
};
const PROXY_PRODUCTION = { APP_ENV: 'production', ADMIN_TOKEN: 'Zq8#vL2m!Pw9rT4kX7nB1cY6hJ3sD5fG', AFFINITY_SECRET: 'Hk3$Lm8qRt2vWx6zAb9cDe4fGh7jKn1p' };

function get(url: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: options.method ?? 'GET', ca, headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the proxy terminates TLS for production', () => {
  let redisServer: RedisServer;
  let replicas: Replicas;
  let proxy: RunningProxy;

  beforeAll(async () => {
    redisServer = await RedisServer.start({ appendonly: false });
    // The replicas trust the proxy on loopback (TRUST_PROXY's default) for X-Forwarded-Proto.
    replicas = await startReplicas(redisServer.url, 2, PRODUCTION);
    proxy = await proxyOver(replicas.replicas, { ...PROXY_PRODUCTION, TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
  });
  afterAll(async () => {
    await proxy?.close();
    await replicas?.close();
    await redisServer?.stop();
  });

  test('when a user logs in over HTTPS, then the session cookie is Secure and works on the next request', async () => {
    expect(proxy.urls[0]).toMatch(/^https:\/\//);
    const login = await get(`${proxy.urls[0]}/redis/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'demo-password' }),
    });
    expect(login.status).toBe(200);
    const setCookie = (login.headers['set-cookie'] as string[]).find((c) => c.startsWith('sid_redis='))!;
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; HttpOnly/);
    const me = await get(`${proxy.urls[0]}/redis/me`, { headers: { Cookie: setCookie.split(';')[0] } });
    expect(me.status).toBe(200);
  });

  test('when the sticky frontend sets its affinity cookie over HTTPS, then it is Secure too', async () => {
    const sticky = proxy.frontends.find((f) => f.strategy === 'sticky-cookie')!.url;
    const answer = await get(`${sticky}/health`);
    expect(String((answer.headers['set-cookie'] as string[])[0])).toMatch(/^lb=.*; Secure/);
  });

  test('when a production replica is reached over plain HTTP, then a session login says HTTPS is required instead of a cookie-less 200', async () => {
    const res = await fetch(`${replicas.urls[0]}/memory/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'demo-password' }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('https_required');
  });
});

describe('proxy TLS settings', () => {
  test('when production has neither TLS nor a trusted TLS-terminating proxy in front, then it refuses to start', () => {
    expect(() => loadProxyConfig(PROXY_PRODUCTION)).toThrow(/TLS_CERT_FILE/);
    expect(() => loadProxyConfig({ ...PROXY_PRODUCTION, TLS_CERT_FILE: cert, TLS_KEY_FILE: key })).not.toThrow();
    expect(() => loadProxyConfig({ ...PROXY_PRODUCTION, TRUSTED_PROXIES: '10.0.0.0/8' })).not.toThrow();
  });

  test('when only one TLS file is given, or a file is missing, then every problem is listed', () => {
    let error: unknown;
    try {
      loadProxyConfig({ TLS_CERT_FILE: path.join(dir, 'missing.pem') });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^TLS_CERT_FILE: .*cannot be read/),
      expect.stringMatching(/^TLS_KEY_FILE: .*together/),
    ]));
  });

  test('when plain HTTP is asked of a TLS frontend, then it does not answer as HTTP', async () => {
    const p = await startProxy({ UPSTREAMS: '', TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
    try {
      const answer = await fetch(p.urls[0].replace('https:', 'http:') + '/_proxy/status').then((r) => r.status, () => 'refused');
      expect(answer).not.toBe(200);
    } finally {
      await p.close();
    }
  });
});
