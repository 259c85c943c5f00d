import type { BenchTarget } from './target';

/**
 * How the bench reaches one replica past the balancer: straight at its URL when the bench can
 * (the local cluster), else through the proxy's admin-token route /_proxy/upstreams/{id}/direct
 * (docker compose: replicas are not published, and the bench never uses container addresses).
 */
export interface ReplicaAccess {
  id: string;
  /** Prefix for a replica path, e.g. `${base}/metrics`. */
  base: string;
  headers: Record<string, string>;
  via: 'direct' | 'proxy';
}

const probe = (url: string, headers: Record<string, string>, timeoutMs: number): Promise<number | undefined> =>
  fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) }).then((r) => r.status, () => undefined);

/** A way to reach `id`, or why there is none. */
export async function reachReplica(target: BenchTarget, id: string): Promise<ReplicaAccess | string> {
  const status = await target.status();
  const upstream = status.upstreams.find((u) => u.id === id);
  if (!upstream) return `${id} is not in the proxy's pool`;
  if (!target.replicasThroughProxyOnly && (await probe(`${upstream.url}/health`, {}, 2000)) === 200) return { id, base: upstream.url, headers: {}, via: 'direct' };
  const base = `${target.frontends[0].url}/_proxy/upstreams/${encodeURIComponent(id)}/direct`;
  const headers = { Authorization: `Bearer ${target.adminToken}` };
  // A busy machine answers slowly: this probe waits longer than the one above, which fails fast on a name the host cannot resolve.
  const answer = await probe(`${base}/health`, headers, 15_000);
  if (answer === 200) return { id, base, headers, via: 'proxy' };
  if (answer === 401) return `${id} is not reachable from the bench (${upstream.url}), and the proxy refused the admin token for its direct route: give --admin-token or $ADMIN_TOKEN`;
  return `${id} is not reachable from the bench at ${upstream.url}, nor through the proxy's direct route (answered ${answer ?? 'nothing'})`;
}

/** A replica's Prometheus text (GET /metrics), reached as `replica` says; rejects unless it answers 200. */
export async function readReplicaMetrics(replica: ReplicaAccess, timeoutMs = 15_000): Promise<string> {
  const response = await fetch(`${replica.base}/metrics`, { headers: replica.headers, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${replica.id}'s /metrics answered ${response.status}`);
  return response.text();
}

/**
 * Every healthy replica of the run, reached past the balancer, whose /metrics carries `metric`
 * (what a scenario reads there); or why one cannot be, for the scenario's skip reason.
 */
export async function replicasWithMetric(target: BenchTarget, replicas: readonly string[], metric: { pattern: RegExp; name: string }): Promise<ReplicaAccess[] | string> {
  const status = await target.status();
  const ids = status.upstreams.filter((u) => u.healthy && replicas.includes(u.id)).map((u) => u.id);
  if (ids.length === 0) return 'no healthy replica in /_proxy/status';
  const reached: ReplicaAccess[] = [];
  for (const id of ids) {
    const access = await reachReplica(target, id);
    if (typeof access === 'string') return `${access} (the scenario reads its ${metric.name} from its /metrics)`;
    const text = await readReplicaMetrics(access).catch(() => undefined);
    if (text === undefined) return `replica ${id}'s /metrics did not answer within 15 s (via ${access.via})`;
    if (!metric.pattern.test(text)) return `replica ${id}'s /metrics has no ${metric.name} (default metrics not registered)`;
    reached.push(access);
  }
  return reached;
}

/** What a replica says it runs with (GET /settings, read-only). */
export interface ReplicaSettingsReading {
  replica: string;
  passwordHashCost: number | null;
  sessionTouch: string | null;
  redisAppendonly: boolean | null;
  sessionWaitReplicas: number | null;
}

/** Every serving replica's /settings, read at run time; a replica that cannot say is listed with nulls. */
export async function readTargetSettings(target: BenchTarget, replicas: readonly string[]): Promise<ReplicaSettingsReading[]> {
  const readings: ReplicaSettingsReading[] = [];
  for (const replica of replicas) {
    const access = await reachReplica(target, replica);
    const body = typeof access === 'string'
      ? undefined
      : await fetch(`${access.base}/settings`, { headers: access.headers, signal: AbortSignal.timeout(15_000) })
        .then((r) => (r.ok ? (r.json() as Promise<Record<string, unknown>>) : undefined), () => undefined);
    readings.push({
      replica,
      passwordHashCost: typeof body?.passwordHashCost === 'number' ? body.passwordHashCost : null,
      sessionTouch: typeof body?.sessionTouch === 'string' ? body.sessionTouch : null,
      redisAppendonly: typeof body?.redisAppendonly === 'boolean' ? body.redisAppendonly : null,
      sessionWaitReplicas: typeof body?.sessionWaitReplicas === 'number' ? body.sessionWaitReplicas : null,
    });
  }
  return readings;
}

/** The one setting every replica reported, or null: none reported it, one did not, or they differ. */
export function agreedValue<T>(readings: readonly ReplicaSettingsReading[], pick: (r: ReplicaSettingsReading) => T | null): T | null {
  const values = readings.map(pick);
  return new Set(values).size === 1 ? values[0] : null;
}

/** One value when every replica agrees, else each replica's (pure). */
export function agreed<T>(readings: readonly ReplicaSettingsReading[], pick: (r: ReplicaSettingsReading) => T | null, show: (v: T) => string = String): string {
  const values = readings.map((r) => pick(r));
  if (values.length === 0 || values.every((v) => v === null)) return 'not reported by the target';
  const shown = values.map((v) => (v === null ? 'not reported' : show(v)));
  return new Set(shown).size === 1 ? shown[0] : readings.map((r, i) => `${r.replica} ${shown[i]}`).join(', ');
}
