import { startCluster, type RunningCluster } from '../../cluster/launcher';
import { SENTINEL } from '../../cluster/topology';
import { freePortBase } from '../../common/ports';
import { CLIENT_ADDRESS_HEADER, CLIENT_KEY_HEADER, clientAddressKey } from '../../common/client-address';
import { DEVELOPMENT_SECRETS } from '../../common/config';
import { redisCommand } from '../../common/probes';
import { SessionCohort } from '../../loadtest/session-cohort';
import { cutOffReplica } from '../../loadtest/scenarios/failover-stages';
import { User, eventually, frontendOf } from '../compose/kill-experiment';
import { TEST_APP_ENV, TEST_PROXY_ENV, useTempDirs } from '../support/cluster-fixtures';

/**
 * The HA topology (--redis ha) with real redis-server and redis-sentinel processes: a failover
 * the replicas follow, and the exact count of sessions lost when the replica had not received them.
 */
jest.setTimeout(90_000);

const runDir = useTempDirs('ha');

async function haCluster(env: Record<string, string> = {}): Promise<RunningCluster> {
  return startCluster({ portBase: await freePortBase(), logs: 'silent', runDir: runDir(), redis: 'ha', env: { ...TEST_APP_ENV, ...env }, proxyEnv: TEST_PROXY_ENV });
}

/** The replica has acknowledged everything the primary wrote (its offset reached the primary's). */
function caughtUp(info: string): boolean {
  const primary = Number(/^master_repl_offset:(\d+)/m.exec(info)?.[1]);
  const replica = Number(/^slave0:.*offset=(\d+)/m.exec(info)?.[1]);
  return primary > 0 && replica >= primary;
}

const CLIENT_KEY = clientAddressKey(process.env.ADMIN_TOKEN || DEVELOPMENT_SECRETS.admin);

/** One JSON call through a frontend, as a client at `address` (the throttle counts per account and address). */
async function call(url: string, method: string, route: string, options: { body?: unknown; token?: string; address?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { [CLIENT_ADDRESS_HEADER]: options.address ?? '198.51.100.7', [CLIENT_KEY_HEADER]: CLIENT_KEY };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${url}${route}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const roleOf = async (cluster: RunningCluster, name: string): Promise<string | undefined> => (await cluster.services()).find((s) => s.name === name)?.role;

describe('local cluster with HA Redis (primary, replica, three Sentinels)', () => {
  let cluster: RunningCluster;
  beforeAll(async () => { cluster = await haCluster(); });
  afterAll(() => cluster?.close());

  it('when the primary is killed, then the Sentinels promote the replica, status shows it, and sessions, refresh families, the denylist and the login throttle all follow the new primary', async () => {
    expect(await roleOf(cluster, 'redis')).toBe('primary');
    expect(await roleOf(cluster, 'redis2')).toBe('replica');
    const url = frontendOf(cluster, 'round-robin').url;
    const user = new User(frontendOf(cluster, 'round-robin'), 'redis');
    expect((await user.login()).status).toBe(200);
    // A revocable JWT login (its refresh family) and three wrong passwords from one address, before the kill.
    const jwt = await call(url, 'POST', '/jwt-revocable/login', { body: { username: 'carol', password: 'demo-password' } });
    expect(jwt.status).toBe(200);
    const attacker = '203.0.113.9';
    for (let i = 0; i < 3; i++) expect((await call(url, 'POST', '/redis/login', { body: { username: 'bob', password: 'wrong' }, address: attacker })).status).toBe(401);
    const primaryPort = (await cluster.services()).find((s) => s.role === 'primary')!.port!;
    expect(await eventually(async () => caughtUp((await redisCommand(primaryPort, ['INFO', 'replication']))?.join('\n') ?? ''), 10_000, 50)).toBe(true);

    await cluster.act('redis', 'kill');
    expect(await eventually(async () => (await roleOf(cluster, 'redis2')) === 'primary', 15_000, 100)).toBe(true);
    // Every replica follows the new primary: three answers in a row (round-robin) are 200.
    expect(await eventually(async () => {
      const statuses = [await user.me(), await user.me(), await user.me()].map((a) => a.status);
      return statuses.every((s) => s === 200);
    }, 15_000)).toBe(true);

    // The refresh family written before the kill rotates on the new primary.
    const refreshed = await call(url, 'POST', '/jwt-revocable/refresh', { body: { refreshToken: jwt.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    const token = refreshed.body.accessToken as string;
    for (let i = 0; i < 3; i++) expect((await call(url, 'GET', '/jwt-revocable/me', { token })).status).toBe(200);
    // A logout now is written to the new primary's denylist, and every replica refuses the token.
    expect((await call(url, 'POST', '/jwt-revocable/logout', { token })).status).toBe(204);
    for (let i = 0; i < 3; i++) expect((await call(url, 'GET', '/jwt-revocable/me', { token })).status).toBe(401);
    // The throttle counted on: 3 failures before the kill + 2 after reach the limit of 5, and even the right password is refused.
    for (let i = 0; i < 2; i++) expect((await call(url, 'POST', '/redis/login', { body: { username: 'bob', password: 'wrong' }, address: attacker })).status).toBe(401);
    expect((await call(url, 'POST', '/redis/login', { body: { username: 'bob', password: 'demo-password' }, address: attacker })).status).toBe(429);

    // The old primary comes back as a replica of the new one, not as a second primary.
    await cluster.act('redis', 'start');
    expect(await eventually(async () => (await roleOf(cluster, 'redis')) === 'replica', 10_000)).toBe(true);
    expect((await user.me()).status).toBe(200);
  });

  it('when the replica is cut off while users log in and the primary is killed, then exactly those sessions are lost', async () => {
    const url = frontendOf(cluster, 'round-robin').url;
    const before = new SessionCohort(url, ['bob'], 'demo-password');
    for (let i = 0; i < 5; i++) expect((await before.loginOne()).ok).toBe(true);
    // Let the earlier logins reach the replica: asynchronous, so wait until it has acknowledged
    // the primary's whole stream (a fixed pause lost them once under load).
    const primaryPort = (await cluster.services()).find((s) => s.role === 'primary')!.port!;
    expect(await eventually(async () => caughtUp((await redisCommand(primaryPort, ['INFO', 'replication']))?.join('\n') ?? ''), 10_000, 50)).toBe(true);
    const { primary, replica } = await cutOffReplica(cluster);
    const during = new SessionCohort(url, ['carol'], 'demo-password');
    for (let i = 0; i < 7; i++) expect((await during.loginOne()).ok).toBe(true);
    const killedAt = Date.now();
    await cluster.act(primary, 'kill');
    await cluster.act(replica, 'unpause');
    // A Sentinel starts another failover of the same master only 2 × failover-timeout after its
    // previous one (the first test's, seconds ago on a quiet machine): wait that, plus down-after.
    const promotion = 2 * SENTINEL.failoverTimeoutMs + SENTINEL.downAfterMs + 10_000;
    expect(await eventually(async () => (await roleOf(cluster, replica)) === 'primary', promotion, 100)).toBe(true);

    const lost = await during.verify(killedAt);
    const kept = await before.verify(killedAt);
    expect(lost).toMatchObject({ users: 7, lost: 7, survived: 0, unknown: 0 });
    expect(kept).toMatchObject({ users: 5, lost: 0, survived: 5, unknown: 0 });
  });
});

describe('local cluster with HA Redis and synchronous session writes (SESSION_WAIT_REPLICAS=1)', () => {
  it('when the replica is cut off, then a login is refused (503) rather than confirmed and lost later', async () => {
    const cluster = await haCluster({ SESSION_WAIT_REPLICAS: '1' });
    try {
      const user = new User(frontendOf(cluster, 'round-robin'), 'redis');
      expect((await user.login()).status).toBe(200);
      const { replica } = await cutOffReplica(cluster);
      const refused = await new User(frontendOf(cluster, 'round-robin'), 'redis', 'bob').login();
      expect(refused.status).toBe(503);
      expect(refused.body.error).toBe('session_store_unavailable');
      await cluster.act(replica, 'unpause');
      // Once the replica has resynced, logins are confirmed again.
      expect(await eventually(async () => (await new User(frontendOf(cluster, 'round-robin'), 'redis', 'bob').login()).status === 200, 10_000)).toBe(true);
      expect((await user.me()).status).toBe(200);
    } finally {
      await cluster.close();
    }
  });
});
