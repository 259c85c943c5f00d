import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { formatZodIssues } from '../../common/config';
import type { UpstreamPool } from '../balancing/upstream-pool';
import { UPSTREAM_ID, upstreamUrl } from '../config';
import type { AdminAuth } from './admin-auth';
import { readJson } from './json-body';
import { sendError, sendJson } from '../../common/http-json';

const newUpstream = z.object({ id: z.string().regex(UPSTREAM_ID, 'id must be letters, digits, _ . -'), url: upstreamUrl });

/**
 * The admin API (docs/proxy.md): add, remove and drain upstreams at run time.
 * `rest` is the path after /_proxy/upstreams ("" or "/{id}" or "/{id}/drain").
 */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, rest: string, pool: UpstreamPool, auth: AdminAuth): Promise<void> {
  if (!auth.allows(req)) return sendError(res, 'admin_token_required', undefined, { 'WWW-Authenticate': 'Bearer' });
  const parts = rest.split('/').filter((p) => p.length > 0).map(safeDecode);
  if (parts.length === 0) {
    if (req.method === 'GET') return sendJson(res, 200, { upstreams: pool.all() });
    if (req.method !== 'POST') return sendError(res, 'method_not_allowed', undefined, { Allow: 'GET, POST' });
    const body = await readJson(req);
    if (!body.ok) return sendError(res, body.code);
    const parsed = newUpstream.safeParse(body.value);
    if (!parsed.success) return sendError(res, 'invalid_body', `Expected {"id","url"}: ${formatZodIssues(parsed.error).join('; ')}`);
    if (pool.get(parsed.data.id)) return sendError(res, 'conflict', `Upstream ${parsed.data.id} already exists.`);
    const upstream = pool.add(parsed.data.id, parsed.data.url);
    return sendJson(res, 201, { upstream });
  }
  const [id, action, extra] = parts;
  if (id === undefined || extra !== undefined) return sendError(res, 'not_found');
  if (action === undefined) {
    if (req.method !== 'DELETE') return sendError(res, 'method_not_allowed', undefined, { Allow: 'DELETE' });
    const upstream = pool.get(id);
    if (!upstream || !pool.remove(id)) return sendError(res, 'not_found', `No upstream ${id}.`);
    return sendJson(res, 200, { removed: upstream });
  }
  if (action === 'drain') {
    if (req.method !== 'POST') return sendError(res, 'method_not_allowed', undefined, { Allow: 'POST' });
    const upstream = pool.drain(id);
    if (!upstream) return sendError(res, 'not_found', `No upstream ${id}.`);
    return sendJson(res, 200, { upstream });
  }
  return sendError(res, 'not_found');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
