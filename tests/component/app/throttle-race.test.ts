import { RedisServer } from '../../support/redis-server';
import { JSON_HEADERS, request, useReplicas, type Answer } from './session-replicas';

const WINDOW_MS = 300_000; // LOGIN_FAILURE_WINDOW_SECONDS (default 300)
const LIMIT = 5; // LOGIN_MAX_FAILURES (default 5)
// Cost 14 (~40 ms a hash here): long enough that twelve concurrent logins overlap their hashing.
const HASH_COST = 14;

function attempt(base: string, username: string, password: string, address: string): Promise<Answer> {
  return request(`${base}/jwt/login`, {
    method: 'POST', headers: { ...JSON_HEADERS, 'X-Forwarded-For': address }, body: JSON.stringify({ username, password }),
  });
}

/** Twelve logins for bob from one address at once, spread over `bases`: eleven wrong, the right one in the middle. */
async function burst(bases: string[], address: string): Promise<Answer[]> {
  const passwords = Array.from({ length: 12 }, (_, i) => (i === 6 ? 'demo-password' : `wrong-${i}`));
  return Promise.all(passwords.map((password, i) => attempt(bases[i % bases.length], 'bob', password, address)));
}

const evaluated = (answers: Answer[]) => answers.filter((a) => a.status === 200 || a.status === 401);

describe('login throttling under concurrent attempts (one account, one address)', () => {
  // Its own redis-server: the last test kills it. Admission wide open (no refusal by expected
  // wait on a loaded machine): this is the throttle's test.
  let redisServer: RedisServer;
  const cluster = useReplicas(2, { LOGIN_QUEUE_TIMEOUT_MS: '60000' }, [], async () => {
    redisServer = await RedisServer.start({ appendonly: false });
    return redisServer.url;
  }, { hashCost: HASH_COST });
  afterAll(async () => {
    await redisServer?.stop();
  });
  beforeEach(() => cluster.clock.advance(WINDOW_MS + 1000));

  test('when 12 attempts (11 wrong, 1 right) arrive at once on two replicas, then at most 5 passwords are checked and the rest get 429', async () => {
    const answers = await burst(cluster.urls, '203.0.113.40');
    expect(evaluated(answers).length).toBeLessThanOrEqual(LIMIT);
    expect(answers.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(12 - LIMIT);
    for (const a of answers) expect([200, 401, 429]).toContain(a.status);
  });

  test('when 12 wrong guesses arrive at once, then exactly 5 are checked, and the pair stays at its limit afterwards', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(cluster.urls[i % 2], 'bob', `wrong-${i}`, '203.0.113.41')));
    expect(answers.filter((a) => a.status === 401)).toHaveLength(LIMIT);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(12 - LIMIT);
    const next = await attempt(cluster.urls[0], 'bob', 'demo-password', '203.0.113.41');
    expect(next.status).toBe(429);
    // Five settled failures: the window's remaining time, not the in-flight "retry in a second".
    expect(Number(next.headers['retry-after'])).toBeGreaterThan(200);
  });

  test('when Redis is down, then each replica still reserves atomically: at most 5 checked per replica', async () => {
    await redisServer.kill();
    try {
      const answers = await burst([cluster.urls[0]], '203.0.113.42');
      expect(evaluated(answers).length).toBeLessThanOrEqual(LIMIT);
    } finally {
      await redisServer.start();
    }
  });
});
