import type { ScalingResult } from '../results';
import { chart, fixed, heading, int, list, paragraph, pct, table, type Block } from './blocks';
import { curveChart } from './svg';

const MODE_COLORS: Readonly<Record<string, string>> = { memory: '#ef6c00', redis: '#c62828', jwt: '#2e7d32', 'jwt-revocable': '#1565c0' };

/** ok req/s against N per mode, measured (solid) and the N = 1 model (dashed): also written as scaling.svg. */
export function scalingCurveSvg(s: ScalingResult): string {
  return curveChart({
    title: `ok req/s against replicas (${s.replicaQuotaCores} CPU each; load avg ${s.loadAverage.start[0]})`,
    xLabel: 'replicas (N)',
    yLabel: 'ok req/s',
    series: s.models.map((m) => ({
      name: m.mode,
      color: MODE_COLORS[m.mode] ?? '#555',
      measured: s.points.filter((p) => p.mode === m.mode).sort((a, b) => a.replicas - b.replicas).map((p) => ({ x: p.replicas, y: p.okPerSec })),
      model: m.predictions.map((p) => ({ x: p.replicas, y: p.okPerSec })),
    })),
  });
}

const mb = (bytes: number): string => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(0)} MB`);

export function scalingSection(s: ScalingResult): Block[] {
  const partNames = [...new Set(s.points.flatMap((p) => p.parts.map((x) => x.part)))];
  const paper = s.paper;
  return [
    heading(2, 'scaling (ok req/s against replica count)'),
    paragraph(`Every replica runs with a CPU quota of ${s.replicaQuotaCores} cores (proxy ${s.proxyQuotaCores ?? 'no quota'}, Redis ${s.redisQuotaCores ?? 'no quota'}); replicas above N are paused and out of the pool. ${s.usersPerReplica} closed-loop users per serving replica, logged in once and reused at every N (memory users pinned by the sticky frontend, the others behind round-robin); before the first point every replica served each mode's users for ${s.warmAllSeconds} s (unmeasured), and each point is a ${s.cellSeconds} s window after ${s.warmSeconds} s of warm-up. CPU from ${s.accounting}. Host: ${s.hostCores} cores, load average ${s.loadAverage.start.join(' / ')} at the start, ${s.loadAverage.end.join(' / ')} at the end (1/5/15 min): on a shared host every absolute figure below is distorted by the other load; the limit column says when a point was not limited by the replicas.`),
    chart('ok req/s against N per mode: measured (solid) and the model from the N = 1 costs (dashed)', scalingCurveSvg(s)),
    table(['mode', 'N', 'users', 'ok req/s', 'model', 'error', 'p50 ms', 'p99 ms', 'errors', 'Redis cmds/req', 'limit'], s.points.map((p) => {
      const check = s.models.find((m) => m.mode === p.mode)?.checks.find((c) => c.replicas === p.replicas);
      return [
        p.mode, String(p.replicas), String(p.users), int(p.okPerSec), check ? int(check.predicted) : 'n/a', check ? pct(check.error) : 'n/a',
        fixed(p.latencyP50Ms, 1), fixed(p.latencyP99Ms, 1), pct(p.errorRate), fixed(p.redisCommandsPerRequest, 2), p.limitNote,
      ];
    })),
    heading(3, 'CPU per request per part (ms), and how busy each part was'),
    table(['mode', 'N', ...partNames], s.points.map((p) => [p.mode, String(p.replicas), ...partNames.map((name) => {
      const part = p.parts.find((x) => x.part === name);
      if (!part) return '—';
      const busy = part.quotaCores !== null ? `throttled ${pct(part.throttledShare, 0)}` : `${fixed(part.cores, 2)} cores`;
      return `${fixed(part.cpuMsPerRequest, 3)} (${busy})${p.limits.includes(name) ? ' LIMIT' : ''}`;
    })])),
    heading(3, 'The model and how well it predicted'),
    paragraph('Parameters from the N = 1 point only: each part\'s CPU per request. Prediction for N = the smallest of N × replica quota ÷ replica CPU per request, each shared part\'s core (or quota) ÷ its CPU per request, and the host\'s cores ÷ the total CPU per request. Error = (measured − predicted) ÷ predicted; the mean is over N ≥ 2, the points the model did not see.'),
    table(['mode', 'predicted ok req/s for N = 1..4 (limit)', 'mean |error| N ≥ 2', 'measured slope (ok req/s per replica)'], s.models.map((m) => [
      m.mode, m.predictions.map((p) => `${p.replicas}: ${int(p.okPerSec)} (${p.limit})`).join(', '), pct(m.meanAbsError), fixed(m.slope, 1),
    ])),
    heading(3, 'Where the shared parts saturate'),
    list([
      `Redis: ${s.shared.redisCommandsPerCoreSec === null ? 'not measured (no Redis commands counted)' : `${int(s.shared.redisCommandsPerCoreSec)} commands per second on one core (measured: commands counted ÷ redis-server's own CPU seconds (INFO cpu) over every point)`}.`,
      ...s.shared.perMode.map((m) => `${m.mode}: proxy ${int(m.proxyRequestsPerCoreSec)} req/s per core, one replica ${int(m.replicaRequestsPerCoreSec)} req/s per core, load generator ${int(m.generatorRequestsPerCoreSec)} req/s per core.`),
    ]),
    heading(3, `${paper.servers} servers, on paper (model, not measurement)`),
    paragraph(`Assumed: ${int(paper.loggedInUsers)} logged-in users, each sending ${paper.requestsPerUserPerSec} requests per second (${int(paper.loggedInUsers * paper.requestsPerUserPerSec)} req/s), ${paper.servers} servers of ${paper.coresPerServer} core each, at the measured costs above. Redis bytes per user: MEMORY USAGE of the per-user keys (sessions, refresh families, denylists) each mode's logins added ÷ its users.`),
    table(['mode', 'Redis cmds/req', 'Redis cmds/s', 'share of one Redis core', 'Redis memory', 'servers one Redis core feeds', 'Redis Cluster shards needed', `capacity of ${paper.servers} servers`], paper.modes.map((m) => [
      m.mode, fixed(m.redisCommandsPerRequest, 2), int(m.redisCommandsPerSec), pct(m.redisCoreShare, 0), mb(m.redisMemoryBytes),
      m.serversOneRedisFeeds === null ? 'no limit (no Redis per request)' : fixed(m.serversOneRedisFeeds, 0), String(m.shardsNeeded), `${int(m.serversCapacity)} req/s`,
    ])),
    paragraph('Past the point where one Redis core saturates, the session store must be sharded (Redis Cluster spreads session keys over shards by hash slot: shards ≈ commands/s ÷ one core\'s commands/s), or the per-request state removed (stateless JWT: no Redis command per request; revocation then needs a denylist that is read on every request, which is the jwt-revocable row).'),
    ...(s.skipped.length ? [heading(3, 'Points not run'), list(s.skipped.map((x) => `${x.mode} N=${x.replicas}: ${x.reason}`))] : []),
    heading(3, 'Logins (once, reused at every N)'),
    table(['mode', 'users', 'attempts', 'refused or failed (retried)', 'seconds', 'Redis keys per user', 'Redis bytes per user'], s.logins.map((l) => [
      l.mode, String(l.users), String(l.attempts), String(l.refusedOrFailed), fixed(l.seconds, 1),
      l.redisKeysPerUser === null ? 'n/a' : fixed(l.redisKeysPerUser, 2), l.redisBytesPerUser === null ? 'n/a' : int(l.redisBytesPerUser),
    ])),
  ];
}
