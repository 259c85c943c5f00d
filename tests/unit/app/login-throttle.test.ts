import { InMemoryLoginThrottle, retryAfterSeconds, throttleCounters } from '../../../services/app/login-throttle';

const clock = { current: 0, now() { return this.current; } };
const policy = { windowSeconds: 60, maxFailures: 3, accountMaxFailures: 5, addressMaxFailures: 8 };
const at = (address: string, account: string) => ({ address, account });

test('when failures of one address on one account reach the limit, then that pair is refused until the window ends, with the remaining seconds', async () => {
  const throttle = new InMemoryLoginThrottle(policy, clock);
  for (let i = 0; i < 3; i++) {
    expect(await throttle.check(at('10.0.0.1', 'bob'))).toEqual({ allowed: true });
    await throttle.recordFailure(at('10.0.0.1', 'bob'));
  }
  clock.current += 20_000;
  expect(await throttle.check(at('10.0.0.1', 'bob'))).toEqual({ allowed: false, retryAfterSeconds: 40 });
  expect(await throttle.check(at('10.0.0.2', 'bob'))).toEqual({ allowed: true });
  expect(await throttle.check(at('10.0.0.1', 'carol'))).toEqual({ allowed: true });
  clock.current += 40_000;
  expect(await throttle.check(at('10.0.0.1', 'bob'))).toEqual({ allowed: true });
});

test('when one account fails from many addresses, then the account limit refuses every address', async () => {
  const throttle = new InMemoryLoginThrottle(policy, clock);
  for (let i = 0; i < 5; i++) await throttle.recordFailure(at(`10.1.0.${i}`, 'alice'));
  expect((await throttle.check(at('10.1.0.99', 'alice'))).allowed).toBe(false);
  expect(await throttle.check(at('10.1.0.99', 'bob'))).toEqual({ allowed: true });
});

test('when one address sprays many accounts, then the address limit refuses it on any account', async () => {
  const throttle = new InMemoryLoginThrottle(policy, clock);
  for (let i = 0; i < 8; i++) await throttle.recordFailure(at('10.2.0.1', `user${i}`));
  expect((await throttle.check(at('10.2.0.1', 'someone-new'))).allowed).toBe(false);
  expect(await throttle.check(at('10.2.0.2', 'someone-new'))).toEqual({ allowed: true });
});

test('when a login succeeds, then that address\'s failures on the account are forgotten but the account\'s are not', async () => {
  const throttle = new InMemoryLoginThrottle({ ...policy, maxFailures: 2, accountMaxFailures: 3 }, clock);
  await throttle.recordFailure(at('10.3.0.1', 'carol'));
  await throttle.recordSuccess(at('10.3.0.1', 'carol'));
  await throttle.recordFailure(at('10.3.0.1', 'carol'));
  expect(await throttle.check(at('10.3.0.1', 'carol'))).toEqual({ allowed: true });
  await throttle.recordFailure(at('10.3.0.2', 'carol'));
  expect((await throttle.check(at('10.3.0.3', 'carol'))).allowed).toBe(false);
});

test('when many distinct keys fail, then the oldest are forgotten so memory stays bounded', async () => {
  const throttle = new InMemoryLoginThrottle({ ...policy, maxFailures: 1, maxKeys: 3 }, clock);
  await throttle.recordFailure(at('a', 'x'));
  await throttle.recordFailure(at('b', 'y'));
  expect(await throttle.check(at('a', 'x'))).toEqual({ allowed: true });
  expect((await throttle.check(at('b', 'y'))).allowed).toBe(false);
});

test('when counters are named, then the pair comes first and an account containing "|" cannot pose as another pair', () => {
  const keys = throttleCounters(policy, at('10.0.0.1', 'a|b')).map((c) => c.key);
  expect(keys).toEqual(['pair:10.0.0.1|a|b', 'account:a|b', 'address:10.0.0.1']);
  expect(retryAfterSeconds(1)).toBe(1);
  expect(retryAfterSeconds(0)).toBe(1);
  expect(retryAfterSeconds(40_001)).toBe(41);
});
