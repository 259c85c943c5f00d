import net from 'node:net';
import { silentLogger } from '../../common/logger';
import { loadProxyConfig } from '../../proxy/config';
import { start as startProxyServer, type RunningProxy } from '../../proxy/server';
import { loadAppConfig } from '../../services/app/config';
import { UserDirectory } from '../../services/app/passwords';
import { start as startApp, type RunningApp } from '../../services/app/server';
import { RedisServer } from '../support/redis-server';
import { TestUpstream, upstreamsEnv } from './proxy/support';

/**
 * Issue 13, item 6: a slow client is cut off in time by the proxy and by a replica — slow headers
 * by HEADERS_TIMEOUT_SECONDS, a trickled body by REQUEST_TIMEOUT_SECONDS — and connections
 * beyond MAX_CONNECTIONS are refused. Short settings here so the test takes seconds; the
 * defaults are asserted in the config tests.
 */
const LIMITS = { HEADERS_TIMEOUT_SECONDS: '2', REQUEST_TIMEOUT_SECONDS: '3', MAX_CONNECTIONS: '4' };

/** Open a connection, feed it `parts` one per `everyMs`, forever; resolve with seconds until the server closed it. */
function trickle(port: number, parts: () => string, everyMs: number, giveUpMs = 12_000): Promise<{ seconds: number; answer: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    let answer = '';
    const socket = net.connect(port, '127.0.0.1');
    const timer = setInterval(() => socket.writable && socket.write(parts()), everyMs);
    const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ seconds: (Date.now() - started) / 1000, answer });
    });
  });
}

const slowHeaders = (port: number) => {
  let first = true;
  return trickle(port, () => {
    if (!first) return `X-Slow-${Math.random().toString(36).slice(2, 6)}: 1\r\n`;
    first = false;
    return 'GET /health HTTP/1.1\r\nHost: x\r\n';
  }, 500);
};
const trickledBody = (port: number, path: string) => {
  let first = true;
  return trickle(port, () => {
    if (!first) return 'a';
    first = false;
    return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n`;
  }, 300);
};

/** Open `count` idle connections; how many of them the server closed within `ms`. */
async function closedOf(port: number, count: number, ms = 700): Promise<number> {
  const sockets = Array.from({ length: count }, () => net.connect(port, '127.0.0.1'));
  let closed = 0;
  for (const s of sockets) {
    s.on('error', () => undefined);
    s.on('close', () => closed++);
  }
  await new Promise((r) => setTimeout(r, ms));
  for (const s of sockets) s.destroy();
  return closed;
}

describe('slow clients and connection caps', () => {
  let redisServer: RedisServer;
  let up: TestUpstream;
  let proxy: RunningProxy;
  let app: RunningApp;
  let proxyPort: number;
  let appPort: number;

  beforeAll(async () => {
    redisServer = await RedisServer.start({ appendonly: false });
    up = await TestUpstream.start('app1');
    proxy = await startProxyServer(loadProxyConfig({
      PROXY_HOST: '127.0.0.1', FRONTENDS: '0:round-robin', UPSTREAMS: upstreamsEnv([up]), LOG_LEVEL: 'silent', ...LIMITS,
    }), { logger: silentLogger() });
    proxyPort = proxy.frontends[0].port;
    app = await startApp(loadAppConfig({
      INSTANCE_ID: 'app1', HOST: '127.0.0.1', PORT: '0', REDIS_URL: redisServer.url, LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT_MS: '500', ...LIMITS,
    }), { logger: silentLogger(), users: await UserDirectory.demo('demo-password', 10) });
    appPort = Number(new URL(app.urls.http).port);
  }, 30_000);
  afterAll(async () => {
    await proxy?.close();
    await app?.close();
    await up?.stop();
    await redisServer?.stop();
  });

  test.each([['proxy', () => proxyPort], ['replica', () => appPort]])('when a client sends its headers slowly to the %s, then it is answered 408 and cut off within the header timeout (2 s) plus 2 s', async (_who, port) => {
    const { seconds, answer } = await slowHeaders(port());
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(seconds).toBeGreaterThanOrEqual(1.9);
    expect(seconds).toBeLessThan(4);
  }, 15_000);

  test.each([['proxy', () => proxyPort, '/echo'], ['replica', () => appPort, '/jwt/login']])('when a client trickles its body to the %s, then it is cut off within the request timeout (3 s) plus 2 s', async (_who, port, path) => {
    const { seconds, answer } = await trickledBody(port(), path);
    expect(answer === '' || /^HTTP\/1\.1 408/.test(answer)).toBe(true);
    expect(seconds).toBeGreaterThanOrEqual(2.9);
    expect(seconds).toBeLessThan(5);
  }, 15_000);

  test.each([['proxy', () => proxyPort], ['replica', () => appPort]])('when more connections than MAX_CONNECTIONS (4) are open on the %s, then the extra ones are closed at once', async (_who, port) => {
    expect(await closedOf(port(), 4)).toBe(0);
    expect(await closedOf(port(), 7)).toBe(3);
  });
});
