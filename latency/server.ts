import http from 'node:http';
import { BearerToken } from '../common/bearer-token';
import { formatZodIssues } from '../common/config';
import { closeGracefully, listen } from '../common/http-listen';
import { sendError, sendJson } from '../common/http-json';
import { createLogger, type Logger } from '../common/logger';
import { readJson } from '../proxy/routes/json-body';
import { delayPatchSchema, type LatencyConfig } from './config';
import { Link, type LinkState } from './link';
import { timePaired, type ProbeProtocol } from './probe';

export interface RunningInjector {
  urls: { control: string; links: Record<string, string> };
  links(): LinkState[];
  close(): Promise<void>;
}

/**
 * Start the latency injector: one delayed TCP link per configured pair, and a small HTTP control
 * API (admin token) that reads and changes each link's delay at run time and times round trips
 * through a link and straight to its target:
 *   GET  /health                                 liveness, no token
 *   GET  /links                                  every link's delay and connection counts
 *   PUT  /links/{name}  {"upMs","downMs","jitterMs"}   change a delay (omitted fields kept)
 *   GET  /links/{name}/rtt?protocol=redis|http&samples=N   round trips through the link and direct
 */
export async function start(config: LatencyConfig, deps: { logger?: Logger } = {}): Promise<RunningInjector> {
  const logger = deps.logger ?? createLogger({ service: 'latency', level: config.logLevel });
  const links = config.links.map((spec) => new Link(spec, config.delay, config.limits, logger.child({ component: 'link' })));
  const listening: Link[] = [];
  const auth = new BearerToken(config.adminToken);
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'control request failed');
      sendError(res, 'internal_error');
    });
  });
  const linkUrls: Record<string, string> = {};

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://latency');
    if (url.pathname === '/health') return sendJson(res, 200, { ok: true });
    if (!auth.matches(req.headers.authorization)) return sendError(res, 'admin_token_required');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'links' || parts.length > 3) return sendError(res, 'not_found');
    if (parts.length === 1) {
      if (req.method !== 'GET') return sendError(res, 'method_not_allowed');
      return sendJson(res, 200, { links: links.map((l) => l.state()) });
    }
    const link = links.find((l) => l.spec.name === parts[1]);
    if (!link) return sendError(res, 'not_found', `No link "${parts[1]}". Links: ${links.map((l) => l.spec.name).join(', ')}.`);
    if (parts.length === 3) {
      if (parts[2] !== 'rtt') return sendError(res, 'not_found');
      if (req.method !== 'GET') return sendError(res, 'method_not_allowed');
      return probe(link, url, res);
    }
    if (req.method === 'GET') return sendJson(res, 200, link.state());
    if (req.method !== 'PUT') return sendError(res, 'method_not_allowed');
    const body = await readJson(req);
    if (!body.ok) return sendError(res, body.code);
    const patch = delayPatchSchema.safeParse(body.value);
    if (!patch.success) return sendError(res, 'invalid_body', formatZodIssues(patch.error).join('; '));
    link.setDelay({ ...link.delay, ...patch.data });
    return sendJson(res, 200, link.state());
  }

  async function probe(link: Link, url: URL, res: http.ServerResponse): Promise<void> {
    const protocol = url.searchParams.get('protocol') ?? 'redis';
    const samples = Number(url.searchParams.get('samples') ?? '20');
    if (protocol !== 'redis' && protocol !== 'http') return sendError(res, 'bad_request', 'protocol must be redis or http.');
    if (!Number.isInteger(samples) || samples < 1 || samples > config.probeSamplesMax) {
      return sendError(res, 'bad_request', `samples must be an integer from 1 to ${config.probeSamplesMax}.`);
    }
    const address = link.spec.listenHost === '0.0.0.0' ? '127.0.0.1' : link.spec.listenHost;
    const listenPort = new URL(linkUrls[link.spec.name]).port;
    try {
      const [direct, through] = await timePaired([
        { host: link.spec.targetHost, port: link.spec.targetPort, protocol: protocol as ProbeProtocol },
        { host: address, port: Number(listenPort), protocol: protocol as ProbeProtocol },
      ], samples);
      return sendJson(res, 200, { link: link.spec.name, delay: link.delay, direct, through, addedMs: through.p50Ms - direct.p50Ms });
    } catch (err) {
      return sendError(res, 'bad_gateway', `probing ${link.spec.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  let control: string;
  try {
    for (const link of links) {
      const port = await link.listen();
      listening.push(link);
      linkUrls[link.spec.name] = `tcp://${link.spec.listenHost}:${port}`;
    }
    control = await listen(server, config.controlPort, config.host);
  } catch (err) {
    await Promise.all(listening.map((l) => l.close()));
    throw err;
  }
  logger.info({ control, links: links.map((l) => l.state()) }, 'latency injector listening');
  return {
    urls: { control, links: linkUrls },
    links: () => links.map((l) => l.state()),
    async close() {
      await closeGracefully(server, 1000);
      await Promise.all(links.map((l) => l.close()));
    },
  };
}
