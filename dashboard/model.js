// Pure functions of the dashboard: no DOM, no fetch, no globals beyond the language, so a unit
// test can import this file in Node and the page can import it in the browser unchanged.

export const MODES = Object.freeze(['memory', 'redis', 'jwt', 'jwt-revocable']);

/** Modes whose credential is a bearer token the page keeps (the rest use an HttpOnly cookie). */
export const BEARER_MODES = Object.freeze(['jwt', 'jwt-revocable']);

/** Seconds of history a live chart shows. */
export const CHART_SECONDS = 60;

/** How many requests a panel's strip remembers; enough to see a pattern, small enough to read. */
export const LOG_LIMIT = 40;

/** Services the page may act on; the proxy is left out because it serves this very page. */
export const CONTROL_VERBS = Object.freeze(['kill', 'stop', 'start', 'pause', 'unpause']);

/**
 * The payload of a JWT, decoded without checking the signature (the page cannot: it has no key).
 * Returns null for anything that is not three base64url parts with a JSON object in the middle.
 */
export function decodeJwtPayload(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === '') return null;
  try {
    const text = base64UrlToText(parts[1]);
    const payload = JSON.parse(text);
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload : null;
  } catch {
    return null;
  }
}

function base64UrlToText(part) {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new Error('not base64url');
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/**
 * What one response to GET /{mode}/me means for the visitor.
 * `hadCredentials`: the panel held a cookie or token it had no reason to think invalid.
 */
export function classifyResponse(status, hadCredentials) {
  if (status === 200) return 'ok';
  if (status === 401) return hadCredentials ? 'logged-out' : 'anonymous';
  return 'error';
}

/**
 * What an answer on a mode's route (not its login) means for a panel, and whether the panel holds
 * credentials after it. A 200 proves them; a 401 ends them: the visitor has been told, so the next
 * 401 is no new logout ("logout" in docs/design.md: credentials the user had no reason to think
 * invalid). Only the step from logged in to 401 is one; a 5xx says nothing about the credentials.
 */
export function panelAnswer(holdsCredentials, status) {
  return {
    outcome: classifyResponse(status, holdsCredentials),
    holdsCredentials: status === 200 ? true : status === 401 ? false : holdsCredentials,
  };
}

/**
 * A summary of a panel's request log: who answered, how many succeeded, and how many times a
 * visitor who believed they were logged in was told otherwise ("logout" in docs/design.md).
 * Entries are `{ status, instance, hadCredentials }`; `instance` is the X-Instance header or null.
 */
export function summariseRequests(entries) {
  const byInstance = {};
  let ok = 0;
  let loggedOut = 0;
  let errors = 0;
  for (const entry of entries) {
    const who = entry.instance ?? 'none';
    byInstance[who] = (byInstance[who] ?? 0) + 1;
    const outcome = classifyResponse(entry.status, entry.hadCredentials);
    if (outcome === 'ok') ok += 1;
    else if (outcome === 'logged-out') loggedOut += 1;
    else if (outcome === 'error') errors += 1;
  }
  return { total: entries.length, byInstance: sortKeys(byInstance), ok, loggedOut, errors };
}

/** One line a person reads: "20 requests · app1 7, app2 7, app3 6 · 200 ×7 · logged out 13 times". */
export function describeSummary(summary) {
  if (summary.total === 0) return 'No requests yet.';
  const who = Object.entries(summary.byInstance)
    .map(([id, n]) => `${id === 'none' ? 'no replica' : id} ${n}`)
    .join(', ');
  const parts = [`${summary.total} request${summary.total === 1 ? '' : 's'}`, `answered by ${who}`, `200 ×${summary.ok}`];
  parts.push(`logged out ${summary.loggedOut} time${summary.loggedOut === 1 ? '' : 's'}`);
  if (summary.errors > 0) parts.push(`errors ${summary.errors}`);
  return parts.join(' · ');
}

/** Keep the last `limit` entries: the strip shows recent history, not all of it. */
export function appendBounded(entries, entry, limit = LOG_LIMIT) {
  const next = [...entries, entry];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

function sortKeys(record) {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
}

/**
 * Links to this dashboard on every frontend of the proxy. Same host, another port: each port is
 * its own origin, which is how the routing strategy is switched without cross-origin requests.
 * `here` is `{ protocol, hostname, port }` as in `location`.
 */
export function frontendLinks(frontends, here) {
  const current = Number(here.port || (here.protocol === 'https:' ? 443 : 80));
  const host = here.hostname.includes(':') ? `[${here.hostname}]` : here.hostname;
  return (Array.isArray(frontends) ? frontends : [])
    .filter((f) => f && Number.isInteger(f.port) && typeof f.strategy === 'string')
    .map((f) => ({
      port: f.port,
      strategy: f.strategy,
      url: `${here.protocol}//${host}:${f.port}/_dashboard/`,
      current: f.port === current,
    }));
}

/** One sentence per strategy of the proxy (kept equal to common/vocabulary.ts by a unit test). */
export const STRATEGY_SENTENCES = Object.freeze({
  'round-robin': 'each request goes to the next healthy replica in turn, whoever logged you in',
  'sticky-cookie': "the proxy's lb cookie pins this browser to one replica until that replica fails",
  'hash-ip': 'your address is hashed onto one replica, so you stay on it without any cookie',
});

/** One sentence on how the frontend this page came from routes its requests, and what follows. */
export function describeFrontend(link) {
  if (!link) return "This port is not in the proxy's frontend list.";
  const why = STRATEGY_SENTENCES[link.strategy];
  return `This page is on :${link.port}, routed ${link.strategy}${why ? `: ${why}` : ''}.`;
}

/** The command a person types when the cluster runs under Docker, where the page has no control. */
export function dockerCommand(verb, service) {
  return `docker compose ${verb} ${service}`;
}

/**
 * One row per service the visitor can watch: the replicas (health and counters from the proxy,
 * process state from the launcher when there is one) and Redis (as a replica sees it via /ready).
 */
export function serviceRows(proxyStatus, services, redisCheck) {
  const upstreams = Array.isArray(proxyStatus?.upstreams) ? proxyStatus.upstreams : [];
  const processes = new Map((Array.isArray(services) ? services : []).map((s) => [s.name, s]));
  const rows = [];
  const redisProcess = processes.get('redis');
  const ha = processes.has('redis2');
  // HA: one row per Redis node with the role the Sentinels give it, then the Sentinels.
  const redisHealth = (p) => (!ha ? redisCheck ?? 'unknown' : p?.state === 'running' ? p.role ?? 'up' : p?.state === 'paused' ? 'paused' : 'down');
  for (const name of ha ? ['redis', 'redis2'] : ['redis']) {
    const p = name === 'redis' ? redisProcess : processes.get(name);
    rows.push({
      id: name, kind: 'redis', role: p?.role ?? null, health: redisHealth(p), state: p?.state ?? null, pid: p?.pid ?? null,
      requests: null, inFlight: null, failures: null,
    });
  }
  for (const [name, p] of processes) {
    if (!name.startsWith('sentinel')) continue;
    rows.push({
      id: name, kind: 'sentinel', role: null, health: p.state === 'running' ? 'up' : p.state === 'paused' ? 'paused' : 'down', state: p.state ?? null,
      pid: p.pid ?? null, requests: null, inFlight: null, failures: null,
    });
  }
  const replicaIds = new Set(upstreams.map((u) => u.id));
  // In panic the proxy still routes to replicas failing their checks, if they accept connections.
  const panic = proxyStatus?.panic === true;
  for (const u of upstreams) {
    const p = processes.get(u.id);
    rows.push({
      id: u.id,
      kind: 'replica',
      role: null,
      health: u.draining ? 'draining' : u.healthy ? 'up' : panic && u.reachable !== false ? 'down, routed (panic)' : 'down',
      state: p?.state ?? null,
      pid: p?.pid ?? null,
      requests: u.requests ?? null,
      inFlight: u.inFlight ?? null,
      failures: u.failures ?? null,
    });
  }
  // A replica the launcher knows but the pool does not (app4 before scale-out) can still be started.
  for (const [name, p] of processes) {
    if (name.startsWith('redis') || name.startsWith('sentinel') || name === 'proxy' || replicaIds.has(name)) continue;
    rows.push({ id: name, kind: 'replica', role: null, health: 'not in pool', state: p.state ?? null, pid: p.pid ?? null, requests: null, inFlight: null, failures: null });
  }
  return rows;
}

/** A stable colour slot per replica (app1 → 1 …), so a replica keeps its colour in every strip. */
export function instanceSlot(instance) {
  const match = typeof instance === 'string' ? /(\d+)$/.exec(instance) : null;
  if (!match) return 0;
  return ((Number(match[1]) - 1) % 6) + 1;
}

/**
 * The control verbs that make sense for a service in a given launcher state; an unknown state
 * offers every verb, since the launcher answers a pointless one with a clear error anyway.
 */
export function verbsFor(state) {
  switch (state) {
    case 'running':
      return ['kill', 'stop', 'pause'];
    case 'paused':
      return ['unpause', 'kill'];
    case 'created':
    case 'exited':
      return ['start'];
    case 'starting':
    case 'stopping':
      return ['kill'];
    case 'external':
      return []; // not started by the launcher (e.g. a Redis given by URL): nothing to act on
    default:
      return [...CONTROL_VERBS];
  }
}

/** The Redis node the Sentinels call primary, among service rows; null without HA or while none is known. */
export function redisPrimary(rows) {
  return (Array.isArray(rows) ? rows : []).find((r) => r.kind === 'redis' && r.role === 'primary')?.id ?? null;
}

/** How much each of one mode's counters grew between two readings (from zero again after a proxy restart). */
function counterGrowth(before, now) {
  const grew = (key) => {
    const a = Number(now?.[key]) || 0;
    const b = Number(before?.[key]) || 0;
    return a >= b ? a - b : a;
  };
  return { ok: grew('ok'), logouts: grew('logouts'), errors: grew('errors') };
}

/**
 * One panel's chart sample from two readings of its mode's proxy counters, `seconds` apart. The
 * proxy counts every 401 outside /login as a logout, from every client, this page included; the
 * 401s this panel got while not logged in (never logged in, or already logged out: panelAnswer's
 * 'anonymous') are no logout, so they are taken off. `page`: those the panel got since the last
 * reading, and `carried`, those no reading has taken yet. The proxy counts a 401 before the page
 * sees it, so one seen as a reading arrives may only be in the next reading: it is carried once,
 * then dropped (a 401 still on its way to the page when a reading arrives is drawn in that one).
 * Returns the sample (undefined without a window of time) and what to carry.
 */
export function chartSample(previous, current, seconds, page = 0, carried = 0) {
  if (!previous || !current || !(seconds > 0)) return { sample: undefined, carried: 0 };
  const counts = counterGrowth(previous, current);
  const pending = page + carried;
  const taken = Math.min(counts.logouts, pending);
  return {
    sample: { ok: counts.ok / seconds, logouts: (counts.logouts - taken) / seconds, errors: counts.errors / seconds },
    carried: Math.min(pending - taken, page),
  };
}

/**
 * SVG polyline points ("x,y x,y …") of one series in a `width` × `height` box, newest on the
 * right, over a fixed window of `slots` samples, scaled to `max` (at least 1, so a quiet chart stays flat).
 */
export function chartPoints(values, { width, height, slots = CHART_SECONDS, max }) {
  const top = Math.max(1, max ?? Math.max(0, ...values));
  const step = slots > 1 ? width / (slots - 1) : width;
  const offset = slots - values.length;
  return values
    .map((v, i) => `${((offset + i) * step).toFixed(1)},${(height - (Math.max(0, v) / top) * height).toFixed(1)}`)
    .join(' ');
}
