/**
 * The capacity model of the scaling scenario (pure). Its parameters are the CPU each part spent
 * per request at N = 1 replica, measured; it then predicts N = 2..4 as the smallest of what the
 * replicas (N × quota), each shared part (proxy, Redis, load generator: one core or their quota)
 * and the host's cores can serve. Predictions are compared with the measured points, never fitted
 * to them: a line through all points proves nothing.
 */
export interface PartCost {
  /** e.g. "replicas", "proxy", "redis", "load generator", "docker-proxy". */
  part: string;
  /** CPU seconds this part spent per request (for "replicas": all replicas together). */
  cpuSecondsPerRequest: number;
  /** Cores one instance may use: its quota, else 1 (one Node or Redis thread); null = bounded by the host only. */
  coresPerInstance: number | null;
  /** True for the replicas: their capacity grows with N. */
  scalesWithReplicas: boolean;
}

export interface CapacityModel {
  mode: string;
  parts: PartCost[];
  /** The host's cores: every part's CPU together cannot exceed them. */
  hostCores: number;
}

export interface Prediction {
  replicas: number;
  okPerSec: number;
  /** The part whose capacity is the smallest ("host" when the sum of all parts is). */
  limit: string;
  /** requests/s each part could carry at this N. */
  capacities: Record<string, number>;
}

/** Per-request costs from one measured point: CPU seconds per part ÷ the requests it served. */
export function modelFromPoint(input: {
  mode: string;
  requests: number;
  cpuSeconds: Record<string, number>;
  coresPerInstance: Record<string, number | null>;
  replicaPart: string;
  hostCores: number;
}): CapacityModel {
  if (input.requests <= 0) throw new Error(`the N = 1 point of ${input.mode} served no request: no cost to model from`);
  const parts = Object.entries(input.cpuSeconds).map(([part, seconds]): PartCost => ({
    part,
    cpuSecondsPerRequest: seconds / input.requests,
    coresPerInstance: input.coresPerInstance[part] ?? null,
    scalesWithReplicas: part === input.replicaPart,
  }));
  return { mode: input.mode, parts, hostCores: input.hostCores };
}

export function predict(model: CapacityModel, replicas: number): Prediction {
  const capacities: Record<string, number> = {};
  let total = 0;
  for (const part of model.parts) {
    total += part.cpuSecondsPerRequest;
    if (part.cpuSecondsPerRequest <= 0 || part.coresPerInstance === null) continue;
    const cores = part.scalesWithReplicas ? replicas * part.coresPerInstance : part.coresPerInstance;
    capacities[part.part] = cores / part.cpuSecondsPerRequest;
  }
  if (total > 0) capacities.host = model.hostCores / total;
  const [limit, okPerSec] = Object.entries(capacities).reduce<[string, number]>(
    (best, entry) => (entry[1] < best[1] ? entry : best), ['none', Number.POSITIVE_INFINITY],
  );
  return { replicas, okPerSec: Number.isFinite(okPerSec) ? okPerSec : 0, limit, capacities };
}

export interface ModelCheck {
  replicas: number;
  measured: number;
  predicted: number;
  /** (measured − predicted) / predicted. */
  error: number;
}

/** Each measured point against the model's prediction; the N = 1 point is the model's own input. */
export function checkModel(model: CapacityModel, measured: readonly { replicas: number; okPerSec: number }[]): { checks: ModelCheck[]; meanAbsError: number | null } {
  const checks = measured.map((point) => {
    const predicted = predict(model, point.replicas).okPerSec;
    return { replicas: point.replicas, measured: point.okPerSec, predicted, error: predicted > 0 ? (point.okPerSec - predicted) / predicted : 0 };
  });
  const beyondOne = checks.filter((c) => c.replicas > 1);
  const meanAbsError = beyondOne.length ? beyondOne.reduce((sum, c) => sum + Math.abs(c.error), 0) / beyondOne.length : null;
  return { checks, meanAbsError };
}

/** Least-squares slope of ok req/s against N (the measured curve's req/s per added replica); null below two points. */
export function slope(points: readonly { replicas: number; okPerSec: number }[]): number | null {
  if (points.length < 2) return null;
  const meanX = points.reduce((s, p) => s + p.replicas, 0) / points.length;
  const meanY = points.reduce((s, p) => s + p.okPerSec, 0) / points.length;
  const sxx = points.reduce((s, p) => s + (p.replicas - meanX) ** 2, 0);
  if (sxx === 0) return null;
  return points.reduce((s, p) => s + (p.replicas - meanX) * (p.okPerSec - meanY), 0) / sxx;
}

/**
 * Which part was the limit of one measured point: a part with a quota when at least half its CFS
 * periods were throttled, one without when it used at least 90 % of a core. Replicas first, so
 * a flat curve is blamed on whatever else ran out.
 */
export const LIMIT_RULE = Object.freeze({ throttledShare: 0.5, busyCores: 0.9 });

export interface PartUse {
  part: string;
  cores: number;
  quotaCores: number | null;
  throttledShare: number | null;
}

export function limitingParts(parts: readonly PartUse[]): string[] {
  return parts.filter((p) => (p.quotaCores !== null
    ? (p.throttledShare ?? 0) >= LIMIT_RULE.throttledShare
    : p.cores >= LIMIT_RULE.busyCores)).map((p) => p.part);
}

/** The seed's "100 servers", on paper: what one Redis would have to carry. */
export interface PaperInput {
  loggedInUsers: number;
  requestsPerUserPerSec: number;
  redisCommandsPerRequest: number;
  redisBytesPerUser: number;
  /** Measured: Redis commands per second on one fully used core. */
  redisCommandsPerCoreSec: number;
  /** Measured: requests per second one replica serves per core. */
  replicaRequestsPerCoreSec: number;
  coresPerServer: number;
  servers: number;
}

export interface PaperResult {
  requestsPerSec: number;
  /** Requests/s the given servers can serve. */
  serversCapacity: number;
  redisCommandsPerSec: number;
  redisMemoryBytes: number;
  /** Share of one Redis core the load needs (> 1: one Redis cannot carry it). */
  redisCoreShare: number;
  /** Servers (at full load) at which one Redis core saturates; null when the mode sends Redis nothing. */
  serversOneRedisFeeds: number | null;
  /** Redis Cluster shards (one core each) the load needs. */
  shardsNeeded: number;
}

export function paperScale(input: PaperInput): PaperResult {
  const requestsPerSec = input.loggedInUsers * input.requestsPerUserPerSec;
  const perServer = input.replicaRequestsPerCoreSec * input.coresPerServer;
  const redisCommandsPerSec = requestsPerSec * input.redisCommandsPerRequest;
  const redisCoreShare = input.redisCommandsPerCoreSec > 0 ? redisCommandsPerSec / input.redisCommandsPerCoreSec : 0;
  const serversOneRedisFeeds = input.redisCommandsPerRequest > 0 && perServer > 0
    ? input.redisCommandsPerCoreSec / input.redisCommandsPerRequest / perServer
    : null;
  return {
    requestsPerSec,
    serversCapacity: perServer * input.servers,
    redisCommandsPerSec,
    redisMemoryBytes: input.loggedInUsers * input.redisBytesPerUser,
    redisCoreShare,
    serversOneRedisFeeds,
    shardsNeeded: redisCommandsPerSec > 0 ? Math.ceil(redisCoreShare) : 0,
  };
}
