import { checkModel, limitingParts, modelFromPoint, paperScale, predict, slope } from '../../../loadtest/capacity-model';

/** N = 1: 200 req/s for 10 s = 2000 requests; the replica spent 2 s (1 ms each), the proxy 1 s, Redis 0.2 s, the generator 0.6 s. */
const model = modelFromPoint({
  mode: 'redis',
  requests: 2000,
  cpuSeconds: { replicas: 2, proxy: 1, redis: 0.2, 'load generator': 0.6 },
  coresPerInstance: { replicas: 0.2, proxy: 1, redis: 1, 'load generator': 1 },
  replicaPart: 'replicas',
  hostCores: 2,
});

describe('capacity model', () => {
  it('when the replicas are the smallest capacity, then throughput grows with N at the quota ÷ CPU per request', () => {
    expect(predict(model, 1)).toMatchObject({ okPerSec: 200, limit: 'replicas' });
    expect(predict(model, 2).okPerSec).toBeCloseTo(400);
  });

  it('when N grows past what a shared part can carry, then that part is the limit and the curve goes flat', () => {
    // replicas 0.2·N/1 ms → 800 at N=4; host 2 cores / 1.9 ms = 1053; proxy 1 core / 0.5 ms = 2000
    expect(predict(model, 4)).toMatchObject({ okPerSec: 800, limit: 'replicas' });
    const p = predict(model, 6);
    expect(p.limit).toBe('host');
    expect(p.okPerSec).toBeCloseTo(2 / 0.0019, 0);
    expect(predict(model, 6).okPerSec).toBeCloseTo(predict(model, 8).okPerSec);
  });

  it('when the measured points differ from the predictions, then the error is stated per point and as a mean over N ≥ 2', () => {
    const { checks, meanAbsError } = checkModel(model, [
      { replicas: 1, okPerSec: 190 }, { replicas: 2, okPerSec: 360 }, { replicas: 3, okPerSec: 660 },
    ]);
    expect(checks.map((c) => Math.round(c.error * 100))).toEqual([-5, -10, 10]);
    expect(meanAbsError).toBeCloseTo(0.1);
  });

  it('when the N = 1 point served nothing, then the model refuses to be built', () => {
    expect(() => modelFromPoint({ mode: 'jwt', requests: 0, cpuSeconds: {}, coresPerInstance: {}, replicaPart: 'replicas', hostCores: 2 })).toThrow(/no cost/);
  });

  it('when the points lie on a line, then the slope is its req/s per replica; one point has none', () => {
    expect(slope([{ replicas: 1, okPerSec: 100 }, { replicas: 2, okPerSec: 190 }, { replicas: 3, okPerSec: 300 }])).toBeCloseTo(100);
    expect(slope([{ replicas: 1, okPerSec: 100 }])).toBeNull();
  });
});

describe('limit detection', () => {
  it('when a part with a quota is throttled half its periods, or one without runs at 90 % of a core, then it is a limit', () => {
    expect(limitingParts([
      { part: 'app1', cores: 0.2, quotaCores: 0.2, throttledShare: 0.6 },
      { part: 'app2', cores: 0.1, quotaCores: 0.2, throttledShare: 0.2 },
      { part: 'proxy', cores: 0.95, quotaCores: null, throttledShare: null },
      { part: 'redis', cores: 0.3, quotaCores: null, throttledShare: null },
    ])).toEqual(['app1', 'proxy']);
  });
});

describe('100 servers on paper', () => {
  it('when 1M users send one request every 10 s at 2 Redis commands each, then Redis needs 200k commands/s: 2 one-core shards at 100k', () => {
    const r = paperScale({
      loggedInUsers: 1_000_000, requestsPerUserPerSec: 0.1, redisCommandsPerRequest: 2, redisBytesPerUser: 300,
      redisCommandsPerCoreSec: 100_000, replicaRequestsPerCoreSec: 1000, coresPerServer: 1, servers: 100,
    });
    expect(r).toMatchObject({ requestsPerSec: 100_000, serversCapacity: 100_000, redisCommandsPerSec: 200_000, redisMemoryBytes: 300_000_000, shardsNeeded: 2 });
    expect(r.redisCoreShare).toBeCloseTo(2);
    expect(r.serversOneRedisFeeds).toBeCloseTo(50);
  });

  it('when the mode sends Redis nothing (JWT), then no server count saturates Redis and no shard is needed', () => {
    const r = paperScale({
      loggedInUsers: 1_000_000, requestsPerUserPerSec: 0.1, redisCommandsPerRequest: 0, redisBytesPerUser: 0,
      redisCommandsPerCoreSec: 100_000, replicaRequestsPerCoreSec: 1000, coresPerServer: 1, servers: 100,
    });
    expect(r.serversOneRedisFeeds).toBeNull();
    expect(r.shardsNeeded).toBe(0);
  });
});
