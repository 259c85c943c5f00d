import type { LookupAddress } from 'node:dns';
import { silentLogger } from '../../../common/logger';
import { loadProxyConfig } from '../../../proxy/config';
import { start, type RunningProxy } from '../../../proxy/server';
import { TestUpstream, request } from './support';

/**
 * A replica reached by host name, as compose names them (`http://app1:3000`): a real upstream on
 * loopback, a resolver the test counts (slow, as Docker's DNS is under load), and 100 clients at
 * once, so the proxy opens many upstream connections together.
 */
describe('proxy connecting to replicas by host name', () => {
  let upstream: TestUpstream;
  let proxy: RunningProxy | undefined;
  let lookups = 0;

  beforeEach(async () => {
    upstream = await TestUpstream.start('app1');
    lookups = 0;
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await upstream.stop();
  });

  async function proxyWithTtl(ttlMs: number, healthIntervalMs = 60_000): Promise<RunningProxy> {
    const resolve = async (hostname: string): Promise<LookupAddress[]> => {
      lookups++;
      await new Promise((r) => setTimeout(r, 20));
      if (hostname !== 'app1.test') throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const config = loadProxyConfig({
      PROXY_HOST: '127.0.0.1', FRONTENDS: '0:round-robin', UPSTREAMS: `app1=http://app1.test:${upstream.port}`,
      HEALTH_INTERVAL_MS: String(healthIntervalMs), HEALTH_TIMEOUT_MS: String(Math.min(healthIntervalMs, 2000)), LOG_LEVEL: 'silent', UPSTREAM_LOOKUP_TTL_MS: String(ttlMs),
    });
    return start(config, { logger: silentLogger(), lookupUpstream: resolve });
  }

  it('when 100 clients arrive at once, then every request is served and the name is looked up once, not per connection', async () => {
    proxy = await proxyWithTtl(60_000);
    upstream.behaviour = 'slow'; // each answer held 300 ms, so the 100 need 100 upstream connections at once
    const answers = await Promise.all(Array.from({ length: 100 }, () => request(`${proxy!.urls[0]}/whoami`)));
    // Served: the name (unknown to the system resolver) was resolved by the proxy's lookup.
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    // One lookup in all: the first health check's answer served every new connection.
    expect(lookups).toBe(1);
  });

  it('when UPSTREAM_LOOKUP_TTL_MS is 0, then each new connection (each health check) looks the name up again', async () => {
    proxy = await proxyWithTtl(0, 100);
    const before = lookups;
    await new Promise((r) => setTimeout(r, 650));
    expect(lookups - before).toBeGreaterThanOrEqual(3);
  });

  it('when the TTL is long, then health checks every 100 ms reuse one answer', async () => {
    proxy = await proxyWithTtl(60_000, 100);
    await new Promise((r) => setTimeout(r, 650));
    expect(lookups).toBe(1);
  });
});
