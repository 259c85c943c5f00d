import { InMemoryLoginThrottle } from '../../../services/app/login-throttle';

const clock = { current: 0, now() { return this.current; } };

test('when failures reach the limit, then the key is refused until the window ends, with the remaining seconds', async () => {
  const throttle = new InMemoryLoginThrottle({ maxFailures: 3, windowSeconds: 60 }, clock);
  for (let i = 0; i < 3; i++) {
    expect(await throttle.check('k')).toEqual({ allowed: true });
    await throttle.recordFailure('k');
  }
  clock.current += 20_000;
  expect(await throttle.check('k')).toEqual({ allowed: false, retryAfterSeconds: 40 });
  expect(await throttle.check('other')).toEqual({ allowed: true });
  clock.current += 40_000;
  expect(await throttle.check('k')).toEqual({ allowed: true });
});

test('when a login succeeds, then earlier failures are forgotten', async () => {
  const throttle = new InMemoryLoginThrottle({ maxFailures: 2, windowSeconds: 60 }, clock);
  await throttle.recordFailure('k');
  await throttle.recordSuccess('k');
  await throttle.recordFailure('k');
  expect(await throttle.check('k')).toEqual({ allowed: true });
});

test('when many distinct keys fail, then the oldest are forgotten so memory stays bounded', async () => {
  const throttle = new InMemoryLoginThrottle({ maxFailures: 1, windowSeconds: 60, maxKeys: 2 }, clock);
  await throttle.recordFailure('a');
  await throttle.recordFailure('b');
  await throttle.recordFailure('c');
  expect(await throttle.check('a')).toEqual({ allowed: true });
  expect((await throttle.check('c')).allowed).toBe(false);
});
