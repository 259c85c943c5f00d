import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { BALANCING } from '../common/balancing';
import { closeGracefully, listen } from '../common/http-listen';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../common/logger';
import { capConnections, serverOptions } from '../common/server-limits';
import { HashIpStrategy } from './balancing/hash-ip';
import { RoundRobinStrategy } from './balancing/round-robin';
import { StickyCookieStrategy } from './balancing/sticky-cookie';
import type { Strategy } from './balancing/strategy';
import { UpstreamPool } from './balancing/upstream-pool';
import type { ProxyConfig, StrategyName } from './config';
import type { FrontendRuntime } from './forwarding/exchange';
import { Forwarder } from './forwarding/forwarder';
import { DnsDiscovery } from './discovery/dns-discovery';
import { identifyByHealth, resolveAll } from './discovery/identify';
import { ActiveHealthChecker } from './health/active-checker';
import { PassiveHealth } from './health/passive';
import { ProxyCounters, createProxyRegistry } from './metrics';
import { TrustedProxies } from './net/cidr';
import { ClientAddressClaims } from './net/client-claim';
import { upstreamLookup, type ResolveAddresses } from './net/upstream-lookup';
import { AdminAuth } from './routes/admin-auth';
import { ClusterRelay } from './routes/cluster-relay';
import { DashboardFiles } from './routes/dashboard';
import { InternalRoutes, isInternal } from './routes/internal';

export interface ProxyDeps {
  readonly logger: Logger;
  readonly now?: () => Date;
  /** DNS lookup for UPSTREAM_DNS (tests pass a fixed answer; default: the system resolver). */
  readonly resolve?: (name: string) => Promise<string[]>;
  /** Host-name lookup for connections to replicas (tests count calls; default: the system resolver). */
  readonly lookupUpstream?: ResolveAddresses;
}

export interface RunningProxy {
  /** One URL per frontend, in FRONTENDS order. */
  readonly urls: readonly string[];
  readonly frontends: readonly { port: number; strategy: StrategyName; url: string }[];
  readonly pool: UpstreamPool;
  /** Graceful: stop accepting, let in-flight requests finish (bounded by the grace period), stop checks and agents. */
  close(): Promise<void>;
}

export function createStrategy(name: StrategyName, affinitySecret: string, secureCookie = false): Strategy {
  switch (name) {
    case 'round-robin':
      return new RoundRobinStrategy();
    case 'sticky-cookie':
      return new StickyCookieStrategy(affinitySecret, new RoundRobinStrategy(), secureCookie);
    case 'hash-ip':
      return new HashIpStrategy();
  }
}

/** Start every frontend of the proxy over one shared, health-checked pool. */
export async function start(config: ProxyConfig, deps: ProxyDeps): Promise<RunningProxy> {
  const logger = deps.logger;
  const pool = new UpstreamPool(logger.child({ component: 'pool' }));
  for (const u of config.upstreams) pool.add(u.id, u.url);

  // One lookup for every connection to a replica, the forwarder's and the health checks'.
  const lookup = upstreamLookup({ ttlMs: config.upstreamLookupTtlMs, resolve: deps.lookupUpstream });
  const checker = new ActiveHealthChecker(pool, { ...config.health, lookup }, logger.child({ component: 'health' }), deps.now);
  const counters = new ProxyCounters();
  const trusted = new TrustedProxies(config.trustedProxies);
  const forwarder = new Forwarder(pool, new PassiveHealth(pool, checker), trusted, counters, {
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    lookup,
    claims: new ClientAddressClaims(config.adminToken),
    maxBufferedBodyBytes: config.maxBufferedBodyBytes,
  }, logger.child({ component: 'forwarder' }));

  const bound: { port: number; strategy: StrategyName; url: string }[] = [];
  const strategyByPort = new Map<number, string>();
  const auth = new AdminAuth(config.adminToken);
  const internal = new InternalRoutes({
    pool,
    auth,
    registry: createProxyRegistry(pool, counters, (port) => strategyByPort.get(port) ?? 'unknown'),
    dashboard: new DashboardFiles(config.dashboardDir),
    relay: new ClusterRelay(config.clusterControlUrl, auth),
    frontends: () => bound.map(({ port, strategy }) => ({ port, strategy })),
    modeOutcomes: () => counters.modes,
    logger: logger.child({ component: 'routes' }),
  });

  const discovery = config.discovery
    ? new DnsDiscovery(config.discovery, {
      resolve: deps.resolve ?? resolveAll,
      // Admission is not on a request's path: a slow first answer (a busy new task) must not keep it out.
      identify: identifyByHealth(Math.max(config.health.timeoutMs, 2000)),
      pool,
      logger: logger.child({ component: 'discovery' }),
    })
    : undefined;
  // Know which upstreams exist and are up before the first client arrives (bounded by the check timeout).
  await discovery?.start();
  await checker.start();

  const servers: http.Server[] = [];
  // Read once at start: a renewed certificate takes a restart (docs/security.md, "TLS").
  const tls = config.tls && { cert: fs.readFileSync(config.tls.certFile), key: fs.readFileSync(config.tls.keyFile) };
  try {
    for (const fc of config.frontends) {
      const strategy = createStrategy(fc.strategy, config.affinitySecret, tls !== undefined);
      const frontend: { port: number; strategy: Strategy; counts: number[]; tls: boolean } = { port: fc.port, strategy, counts: [], tls: tls !== undefined };
      const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
        if (isInternal(req.url ?? '/')) internal.handle(req, res);
        else forwarder.handle(req, res, frontend as FrontendRuntime);
      };
      const server = tls === undefined
        ? http.createServer(serverOptions(config.limits), handler)
        : https.createServer({ ...serverOptions(config.limits), ...tls }, handler);
      // Clients may keep connections open longer than Node's 5 s default, as they would with nginx.
      server.keepAliveTimeout = BALANCING.clientKeepAliveMs;
      capConnections(server, config.limits);
      server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
        // A slow client (headers or request timeout) gets 408, as Node's own handler would answer.
        const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
        if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        else socket.destroy();
      });
      servers.push(server);
      const url = await listen(server, fc.port, config.host);
      const port = (server.address() as AddressInfo).port;
      frontend.port = port;
      frontend.counts = counters.forFrontend(port);
      strategyByPort.set(port, fc.strategy);
      // listen() answers the local URL in http:; a TLS frontend is reached over https.
      bound.push({ port, strategy: fc.strategy, url: tls ? url.replace(/^http:/, 'https:') : url });
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    discovery?.stop();
    checker.stop();
    forwarder.close();
    throw err;
  }
  logger.info({ frontends: bound.map((b) => `${b.port}:${b.strategy}`), upstreams: pool.all().map((u) => u.id), discovery: config.discovery?.name }, 'proxy listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all(servers.map((s) => closeGracefully(s, config.shutdownGraceMs)));
      discovery?.stop();
      checker.stop();
      forwarder.close();
      logger.info('proxy stopped');
    })();
    return closing;
  };
  return { urls: bound.map((b) => b.url), frontends: bound, pool, close };
}
