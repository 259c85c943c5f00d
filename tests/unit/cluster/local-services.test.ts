import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLaunchOptions } from '../../../cluster/launch-options';
import { localProcessSpecs, planRedis, sentinelConfFiles, type RedisPlan } from '../../../cluster/local-services';
import { SENTINEL } from '../../../cluster/topology';

const input = (redisPlan: RedisPlan, options = {}) => ({
  config: parseLaunchOptions({ portBase: 9000, ...options }),
  env: { PATH: '/usr/bin', APP_ENV: undefined },
  root: '/repo',
  redisPlan,
  redisDir: '/run/redis-data',
  adminToken: 'token',
  controlUrl: 'http://127.0.0.1:9010',
  logFile: (name: string) => `/run/logs/${name}.log`,
});

describe('local services', () => {
  it('when redis is spawned, then it binds loopback on base+20 with append-only persistence', () => {
    const [redis] = localProcessSpecs(input({ kind: 'spawn', bin: '/usr/bin/redis-server' }));
    expect(redis).toMatchObject({ name: 'redis', command: '/usr/bin/redis-server', port: 9020 });
    expect(redis.args.join(' ')).toBe('--port 9020 --bind 127.0.0.1 --dir /run/redis-data --protected-mode no --appendonly yes --appendfsync everysec --save ');
  });

  it('when persistence is off, then redis gets --appendonly no', () => {
    const [redis] = localProcessSpecs(input({ kind: 'spawn', bin: 'redis-server' }, { redisAppendonly: false }));
    expect(redis.args).toContain('no');
    expect(redis.args).not.toContain('everysec');
  });

  it('when apps are built, then each gets its id, loopback port and the local Redis, and extra env wins', () => {
    const specs = localProcessSpecs(input({ kind: 'spawn', bin: 'redis-server' }, { env: { PASSWORD_HASH_COST: '10', APP_ENV: 'test' } }));
    const app2 = specs.find((s) => s.name === 'app2');
    expect(app2?.args).toEqual(['/repo/dist/services/app/main.js']);
    expect(app2?.env).toMatchObject({
      INSTANCE_ID: 'app2', HOST: '127.0.0.1', PORT: '9012', REDIS_URL: 'redis://127.0.0.1:9020', APP_ENV: 'test', PASSWORD_HASH_COST: '10', PATH: '/usr/bin',
    });
    expect(specs.map((s) => s.name)).toEqual(['redis', 'app1', 'app2', 'app3', 'app4', 'proxy']);
  });

  it('when the proxy is built, then it gets the frontends, every replica, no trusted peer, the admin token and the control URL', () => {
    const proxy = localProcessSpecs(input({ kind: 'external', url: 'redis://elsewhere:6379' })).find((s) => s.name === 'proxy');
    expect(proxy?.env).toMatchObject({
      APP_ENV: 'development',
      PROXY_HOST: '127.0.0.1',
      FRONTENDS: '9000:round-robin,9001:sticky-cookie,9002:hash-ip',
      UPSTREAMS: 'app1=http://127.0.0.1:9011,app2=http://127.0.0.1:9012,app3=http://127.0.0.1:9013,app4=http://127.0.0.1:9014',
      ADMIN_TOKEN: 'token',
      CLUSTER_CONTROL_URL: 'http://127.0.0.1:9010',
    });
    expect(proxy?.env.TRUSTED_PROXIES).toBeUndefined();
  });

  it('when redis is external, then no redis process is planned and apps use its URL', () => {
    const specs = localProcessSpecs(input({ kind: 'external', url: 'redis://elsewhere:6379' }));
    expect(specs.find((s) => s.name === 'redis')).toBeUndefined();
    expect(specs.find((s) => s.name === 'app1')?.env.REDIS_URL).toBe('redis://elsewhere:6379');
  });
});

describe('finding redis-server', () => {
  it('when REDIS_SERVER_BIN is not an executable, then the plan says so and what to install', () => {
    const plan = planRedis(parseLaunchOptions({}), { REDIS_SERVER_BIN: '/nonexistent/redis-server', PATH: '' });
    expect(plan.kind).toBe('missing');
    expect(plan.kind === 'missing' && plan.message).toMatch(/REDIS_SERVER_BIN=\/nonexistent\/redis-server is not an executable file; install it with `apt-get install redis-server`.*`brew install redis`/);
  });

  it('when redis-server is on PATH, then that binary is used', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-path-'));
    const bin = path.join(dir, 'redis-server');
    fs.writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
    try {
      expect(planRedis(parseLaunchOptions({}), { PATH: `/nowhere${path.delimiter}${dir}` })).toEqual({ kind: 'spawn', bin });
      expect(planRedis(parseLaunchOptions({}), { PATH: '/nowhere' }).kind).toBe('missing');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the options name a URL or none, then no binary is looked for', () => {
    expect(planRedis(parseLaunchOptions({ redis: { url: 'redis://h:1' } }), {})).toEqual({ kind: 'external', url: 'redis://h:1' });
    expect(planRedis(parseLaunchOptions({ redis: 'none' }), {})).toEqual({ kind: 'none' });
  });

  it('when the options are invalid, then every problem is listed at once', () => {
    expect(() => parseLaunchOptions({ portBase: 80, redis: { url: 'http://x' } })).toThrow(/portBase[\s\S]*redis\.url: must be a redis:\/\/ URL/);
  });

  it('when the latency injector is on both paths, then replicas reach Redis and the proxy reaches replicas through its links', () => {
    const specs = localProcessSpecs(input({ kind: 'spawn', bin: 'redis-server' }, { latency: { paths: ['redis', 'replicas'], upMs: 1 } }));
    expect(specs.map((s) => s.name)).toEqual(['redis', 'latency', 'app1', 'app2', 'app3', 'app4', 'proxy']);
    expect(specs.find((s) => s.name === 'latency')?.env).toMatchObject({
      LATENCY_HOST: '127.0.0.1',
      LATENCY_CONTROL_PORT: '9016',
      LATENCY_LINKS: 'redis=9017>127.0.0.1:9020,app1=9024>127.0.0.1:9011,app2=9025>127.0.0.1:9012,app3=9026>127.0.0.1:9013,app4=9027>127.0.0.1:9014',
      LATENCY_UP_MS: '1', LATENCY_DOWN_MS: '0', ADMIN_TOKEN: 'token',
    });
    expect(specs.find((s) => s.name === 'app1')?.env.REDIS_URL).toBe('redis://127.0.0.1:9017');
    expect(specs.find((s) => s.name === 'proxy')?.env.UPSTREAMS).toBe(
      'app1=http://127.0.0.1:9024,app2=http://127.0.0.1:9025,app3=http://127.0.0.1:9026,app4=http://127.0.0.1:9027',
    );
  });

  it('when the injector is on the Redis path only, then the proxy still reaches replicas directly and a password survives the re-pointing', () => {
    const specs = localProcessSpecs(input({ kind: 'external', url: 'redis://:s3cret@10.0.0.5:6380' }, { latency: { paths: ['redis'] } }));
    expect(specs.find((s) => s.name === 'latency')?.env.LATENCY_LINKS).toBe('redis=9017>10.0.0.5:6380');
    expect(specs.find((s) => s.name === 'app2')?.env.REDIS_URL).toBe('redis://:s3cret@127.0.0.1:9017');
    expect(specs.find((s) => s.name === 'proxy')?.env.UPSTREAMS).toContain('app1=http://127.0.0.1:9011');
  });

  it('when the injector is asked for with no path or an unknown one, then the problem is listed', () => {
    expect(() => parseLaunchOptions({ latency: { paths: [] } })).toThrow(/latency.paths/);
    expect(() => parseLaunchOptions({ latency: { paths: ['disk' as 'redis'] } })).toThrow(/latency.paths/);
  });

  it('when the injector is asked for on the Redis path with Sentinels or no Redis, then it is refused (the replicas would never go through it), and the replicas path alone is accepted', () => {
    expect(() => parseLaunchOptions({ redis: 'ha', latency: { paths: ['redis'] } })).toThrow(/latency.paths: the redis path needs one Redis .* past the injector/);
    expect(() => parseLaunchOptions({ redis: 'none', latency: { paths: ['redis', 'replicas'] } })).toThrow(/latency.paths: the redis path needs/);
    expect(parseLaunchOptions({ redis: 'ha', latency: { paths: ['replicas'] } }).latency?.paths).toEqual(['replicas']);
  });
});

describe('local services, HA Redis (--redis ha)', () => {
  const ha: RedisPlan = { kind: 'ha', bin: '/usr/bin/redis-server', sentinelBin: '/usr/bin/redis-sentinel' };

  it('when HA is planned, then a primary, a replica of it and three Sentinels run on base+20, +28 and +21..23, and the apps ask the Sentinels', () => {
    const specs = localProcessSpecs(input(ha));
    const byName = new Map(specs.map((s) => [s.name, s]));
    expect(byName.get('redis')?.port).toBe(9020);
    expect(byName.get('redis2')?.port).toBe(9028);
    expect(byName.get('redis')?.args).not.toContain('--replicaof');
    expect(byName.get('redis2')?.args.join(' ')).toContain('--replicaof 127.0.0.1 9020');
    expect(byName.get('redis2')?.args.join(' ')).toContain('--appendonly yes');
    expect(byName.get('redis')?.args[byName.get('redis')!.args.indexOf('--dir') + 1]).not.toBe(byName.get('redis2')?.args[byName.get('redis2')!.args.indexOf('--dir') + 1]);
    expect(['sentinel1', 'sentinel2', 'sentinel3'].map((n) => byName.get(n)?.port)).toEqual([9021, 9022, 9023]);
    expect(byName.get('sentinel1')?.command).toBe('/usr/bin/redis-sentinel');
    expect(byName.get('app1')?.env).toMatchObject({
      REDIS_SENTINELS: '127.0.0.1:9021,127.0.0.1:9022,127.0.0.1:9023', REDIS_SENTINEL_MASTER: 'authscale',
    });
  });

  it('when the Sentinel config is written, then it monitors the primary with the documented quorum and timings', () => {
    const files = sentinelConfFiles('/run/redis-data', 9000);
    const conf = files['/run/redis-data/sentinel2.conf'];
    expect(conf).toContain('port 9022');
    expect(conf).toContain(`sentinel monitor authscale 127.0.0.1 9020 ${SENTINEL.quorum}`);
    expect(conf).toContain(`sentinel down-after-milliseconds authscale ${SENTINEL.downAfterMs}`);
    expect(conf).toContain(`sentinel failover-timeout authscale ${SENTINEL.failoverTimeoutMs}`);
    expect(Object.keys(files)).toHaveLength(3);
  });

  it('when redis-sentinel cannot be found, then HA is refused with what to install (no silent single node)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-bin-'));
    try {
      const bin = path.join(dir, 'redis-server');
      fs.writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
      const plan = planRedis(parseLaunchOptions({ redis: 'ha' }), { PATH: dir });
      expect(plan).toMatchObject({ kind: 'missing' });
      expect(plan.kind === 'missing' && plan.message).toContain('apt-get install redis-sentinel');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
