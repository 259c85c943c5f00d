import { needsActivityWrite, recordTtlSeconds, sessionExpiry, storeTtlSeconds } from '../../../services/app/auth/session-timeouts';
import { loadAppConfig } from '../../../services/app/config';

const t = { ttlSeconds: 3600, idleTimeoutSeconds: 1800, absoluteTimeoutSeconds: 28_800, touch: 'rolling' as const };
const S = 1000;

test('when nothing is configured, then idle is 30 min, absolute 8 h, and the store keeps a record at most the idle timeout', () => {
  const config = loadAppConfig({});
  expect(config.session).toMatchObject({ idleTimeoutSeconds: 1800, absoluteTimeoutSeconds: 28_800, ttlSeconds: 3600 });
  expect(storeTtlSeconds(config.session)).toBe(1800);
  expect(config.loginThrottle).toEqual({ maxFailures: 5, windowSeconds: 300, accountMaxFailures: 20, addressMaxFailures: 100 });
});

test('when a timeout is not a positive integer, then the config lists it', () => {
  expect(() => loadAppConfig({ SESSION_IDLE_TIMEOUT_SECONDS: '0', SESSION_ABSOLUTE_TIMEOUT_SECONDS: 'soon' }))
    .toThrow(/SESSION_IDLE_TIMEOUT_SECONDS[\s\S]*SESSION_ABSOLUTE_TIMEOUT_SECONDS|SESSION_ABSOLUTE_TIMEOUT_SECONDS[\s\S]*SESSION_IDLE_TIMEOUT_SECONDS/);
});

test('when the session is younger than both timeouts, then it is valid; at each bound it ends, absolute first', () => {
  expect(sessionExpiry(t, { createdAt: 0, lastSeenAt: 0 }, 1799 * S)).toBeUndefined();
  expect(sessionExpiry(t, { createdAt: 0, lastSeenAt: 0 }, 1800 * S)).toBe('idle');
  expect(sessionExpiry(t, { createdAt: 0, lastSeenAt: 28_000 * S }, 28_799 * S)).toBeUndefined();
  expect(sessionExpiry(t, { createdAt: 0, lastSeenAt: 28_799 * S }, 28_800 * S)).toBe('absolute');
});

test('when a record has no timestamps, then it counts as ended (fail closed); without lastSeenAt the login time is used', () => {
  expect(sessionExpiry(t, {}, 0)).toBe('absolute');
  expect(sessionExpiry(t, { createdAt: 0 }, 1800 * S)).toBe('idle');
});

test('when the policy is rolling, then lastSeenAt is written only past half of min(TTL, idle); always writes; never does not', () => {
  expect(needsActivityWrite(t, { createdAt: 0, lastSeenAt: 0 }, 899 * S)).toBe(false);
  expect(needsActivityWrite(t, { createdAt: 0, lastSeenAt: 0 }, 900 * S)).toBe(true);
  expect(needsActivityWrite({ ...t, touch: 'always' }, { createdAt: 0, lastSeenAt: 0 }, 1)).toBe(true);
  expect(needsActivityWrite({ ...t, touch: 'never' }, { createdAt: 0, lastSeenAt: 0 }, 1700 * S)).toBe(false);
});

test('when a record is written, then its TTL is min(TTL, idle, time left before the absolute timeout), at least 1 s', () => {
  expect(recordTtlSeconds(t, { createdAt: 0 }, 0)).toBe(1800);
  expect(recordTtlSeconds(t, { createdAt: 0 }, 28_000 * S)).toBe(800);
  expect(recordTtlSeconds(t, { createdAt: 0 }, 28_799_500)).toBe(1);
  expect(recordTtlSeconds(t, { createdAt: 0 }, 30_000 * S)).toBe(1);
  expect(recordTtlSeconds({ ...t, ttlSeconds: 60 }, { createdAt: 0 }, 0)).toBe(60);
});
