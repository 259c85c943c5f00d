import { ConfigError } from '../../../common/config';
import { loadProxyConfig } from '../../../proxy/config';
import { classifyFailure, mayRetry } from '../../../proxy/forwarding/retry-policy';

describe('proxy configuration', () => {
  it('when nothing is set, then the documented defaults apply and the result is frozen', () => {
    const config = loadProxyConfig({});
    expect(config.frontends).toEqual([{ port: 8080, strategy: 'round-robin' }, { port: 8081, strategy: 'sticky-cookie' }, { port: 8082, strategy: 'hash-ip' }]);
    expect(config.upstreams.map((u) => u.id)).toEqual(['app1', 'app2', 'app3']);
    expect(config.health).toEqual({ intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 2 });
    expect(config.clusterControlUrl).toBeUndefined();
    expect(config.dashboardDir).toMatch(/dashboard$/);
    expect(config.trustedProxies).toEqual([]);
    expect(config.limits).toEqual({ headersTimeoutSeconds: 10, requestTimeoutSeconds: 30, maxConnections: 2048 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when the header timeout exceeds the request timeout, or the connection cap is 0, then it is refused', () => {
    expect(() => loadProxyConfig({ HEADERS_TIMEOUT_SECONDS: '40', REQUEST_TIMEOUT_SECONDS: '30' })).toThrow(/HEADERS_TIMEOUT_SECONDS: must not exceed REQUEST_TIMEOUT_SECONDS/);
    expect(() => loadProxyConfig({ MAX_CONNECTIONS: '0' })).toThrow(/MAX_CONNECTIONS/);
  });

  it('when several values are wrong, then one error lists every problem', () => {
    let error: unknown;
    try {
      loadProxyConfig({ FRONTENDS: '8080:random,99999:round-robin', UPSTREAMS: 'app1=ftp://x,bad', TRUSTED_PROXIES: '10.0.0.0/99', HEALTH_RISE: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/FRONTENDS\.0/);
    expect(problems).toMatch(/FRONTENDS\.1/);
    expect(problems).toMatch(/UPSTREAMS\.0/);
    expect(problems).toMatch(/UPSTREAMS\.1/);
    expect(problems).toMatch(/TRUSTED_PROXIES/);
    expect(problems).toMatch(/HEALTH_RISE/);
  });

  it('when a port or an upstream id is listed twice, then it is refused', () => {
    expect(() => loadProxyConfig({ FRONTENDS: '8080:round-robin,8080:hash-ip' })).toThrow(/listed twice/);
    expect(() => loadProxyConfig({ UPSTREAMS: 'a=http://127.0.0.1:1,a=http://127.0.0.1:2' })).toThrow(/listed twice/);
  });

  it('when production runs with development or weak secrets, then it refuses to start', () => {
    expect(() => loadProxyConfig({ APP_ENV: 'production' })).toThrow(/ADMIN_TOKEN[\s\S]*AFFINITY_SECRET/);
    // TLS is terminated by a trusted proxy in front here (tests/component/proxy/tls.test.ts covers TLS files).
    const strong = { APP_ENV: 'production', ADMIN_TOKEN: 'Zq8#vL2m!Pw9rT4kX7nB1cY6hJ3sD5fG', AFFINITY_SECRET: 'Hk3$Lm8qRt2vWx6zAb9cDe4fGh7jKn1p', TRUSTED_PROXIES: '10.0.0.0/8' };
    expect(loadProxyConfig(strong).adminToken).toBe(strong.ADMIN_TOKEN);
  });

  it('when UPSTREAM_DNS is set, then upstreams come from discovery only; with UPSTREAMS too, or malformed, it is refused', () => {
    const config = loadProxyConfig({ UPSTREAM_DNS: 'tasks.app:3000' });
    expect(config.upstreams).toEqual([]);
    expect(config.discovery).toEqual({ name: 'tasks.app', port: 3000, intervalMs: 2000, drainMs: 30_000 });
    expect(loadProxyConfig({}).discovery).toBeUndefined();
    expect(() => loadProxyConfig({ UPSTREAM_DNS: 'tasks.app:3000', UPSTREAMS: 'app1=http://127.0.0.1:3001' })).toThrow(/not both/);
    expect(() => loadProxyConfig({ UPSTREAM_DNS: 'tasks.app' })).toThrow(/name:port/);
  });

  it('when CLUSTER_CONTROL_URL is set, then it is kept as an origin', () => {
    expect(loadProxyConfig({ CLUSTER_CONTROL_URL: 'http://127.0.0.1:8090/' }).clusterControlUrl).toBe('http://127.0.0.1:8090');
  });
});

describe('retry policy (docs/design.md)', () => {
  const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

  it('when the connection was refused, then any method may be retried, as often as there are upstreams', () => {
    expect(classifyFailure(err('ECONNREFUSED'))).toBe('refused');
    expect(mayRetry('refused', 'POST', true)).toBe(true);
  });

  it('when a reset or timeout happened after sending, then only idempotent methods are retried, once', () => {
    expect(classifyFailure(err('ECONNRESET'))).toBe('reset');
    expect(classifyFailure(err('UND_ERR_SOCKET'))).toBe('reset');
    expect(classifyFailure(err('UND_ERR_HEADERS_TIMEOUT'))).toBe('timeout');
    expect(classifyFailure(err('UND_ERR_BODY_TIMEOUT'))).toBe('timeout');
    expect(mayRetry('reset', 'GET', false)).toBe(true);
    expect(mayRetry('timeout', 'PUT', false)).toBe(true);
    expect(mayRetry('reset', 'GET', true)).toBe(false);
    expect(mayRetry('reset', 'POST', false)).toBe(false);
    expect(mayRetry('timeout', 'PATCH', false)).toBe(false);
  });
});
