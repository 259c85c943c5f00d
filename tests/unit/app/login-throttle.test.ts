import { InMemoryLoginThrottle, retryAfterSeconds, throttleCounters, type LoginAttempt, type LoginThrottle } from '../../../services/app/login-throttle';

const clock = { current: 0, now() { return this.current; } };
const policy = { windowSeconds: 60, maxFailures: 3, accountMaxFailures: 5, addressMaxFailures: 8 };
const at = (address: string, account: string) => ({ address, account });

/** One wrong password: reserve, then keep the slot. */
async function fail(throttle: LoginThrottle, attempt: LoginAttempt): Promise<void> {
  const r = await throttle.reserve(attempt);
  if (!r.allowed) throw new Error('refused');
  await r.settle('failure');
}

async function succeed(throttle: LoginThrottle, attempt: LoginAttempt): Promise<void> {
  const r = await throttle.reserve(attempt);
  if (!r.allowed) throw new Error('refused');
  await r.settle('success');
}

/** Would an attempt be allowed now? (reserves, then gives the slot back) */
async function check(throttle: LoginThrottle, attempt: LoginAttempt): Promise<{ allowed: boolean; retryAfterSeconds?: number }> {
  const r = await throttle.reserve(attempt);
  if (!r.allowed) return r;
  await r.settle('released');
  return { allowed: true };
}

test('when failures of one address on one account reach the limit, then that pair is refused until the window ends, with the remaining seconds', async () => {
  const throttle = new InMemoryLoginThrottle(policy, clock);
  for (let i = 0; i < 3; i++) await fail(throttle, at('10.0.0.1', 'bob'));
  clock.current += 20_000;
  expect(await check(throttle, at('10.0.0.1', 'bob'))).toEqual({ allowed: false, retryAfterSeconds: 40 });
  expect(await check(throttle, at('10.0.0.2', 'bob'))).toEqual({ allowed: true });
  expect(await check(throttle, at('10.0.0.1', 'carol'))).toEqual({ allowed: true });
  clock.current += 40_000;
  expect(await check(throttle, at('10.0.0.1', 'bob'))).toEqual({ allowed: true });
});

test('when one account fails from many addresses, then the account limit refuses every address', async () => {
  const throttle = new InMemoryLoginThrottle(policy, clock);
  for (let i = 0; i < 5; i++) await fail(throttle, at(`10.1.0.${i}`, 'alice'));
  expect((await check(throttle, at('10.1.0.99', 'alice'))).allowed).toBe(false);
  expect(await check(throttle, at('10.1.0.99', 'bob'))).toEqual({ allowed: true });
});

test('when one address sprays many accounts, then the address limit refuses it on any account', async () => {
  const throttle = new InMemoryLoginThrottle(policy, clock);
  for (let i = 0; i < 8; i++) await fail(throttle, at('10.2.0.1', `user${i}`));
  expect((await check(throttle, at('10.2.0.1', 'someone-new'))).allowed).toBe(false);
  expect(await check(throttle, at('10.2.0.2', 'someone-new'))).toEqual({ allowed: true });
});

test('when a login succeeds, then that address\'s failures on the account are forgotten but the account\'s are not', async () => {
  const throttle = new InMemoryLoginThrottle({ ...policy, maxFailures: 2, accountMaxFailures: 3 }, clock);
  await fail(throttle, at('10.3.0.1', 'carol'));
  await succeed(throttle, at('10.3.0.1', 'carol'));
  await fail(throttle, at('10.3.0.1', 'carol'));
  expect(await check(throttle, at('10.3.0.1', 'carol'))).toEqual({ allowed: true });
  await fail(throttle, at('10.3.0.2', 'carol'));
  expect((await check(throttle, at('10.3.0.3', 'carol'))).allowed).toBe(false);
});

test('when attempts are reserved at once, then only the limit is let through, the rest told to retry in a second; once they fail, the whole window', async () => {
  const throttle = new InMemoryLoginThrottle(policy, clock);
  const reservations = await Promise.all(Array.from({ length: 6 }, () => throttle.reserve(at('10.4.0.1', 'dave'))));
  expect(reservations.filter((r) => r.allowed)).toHaveLength(3);
  expect(reservations.filter((r) => !r.allowed)).toEqual(Array(3).fill({ allowed: false, retryAfterSeconds: 1, busy: true }));
  for (const r of reservations) if (r.allowed) await r.settle('failure');
  expect(await check(throttle, at('10.4.0.1', 'dave'))).toEqual({ allowed: false, retryAfterSeconds: 60 });
});

test('when concurrent logins of one person succeed, then none of them is held against the next', async () => {
  const throttle = new InMemoryLoginThrottle(policy, clock);
  const first = await Promise.all(Array.from({ length: 3 }, () => throttle.reserve(at('10.4.0.2', 'gina'))));
  for (const r of first) if (r.allowed) await r.settle('success');
  const again = await Promise.all(Array.from({ length: 3 }, () => throttle.reserve(at('10.4.0.2', 'gina'))));
  expect(again.every((r) => r.allowed)).toBe(true);
});

test('when a success settles while other attempts are still being checked, then it clears only the settled failures: the pending ones still count', async () => {
  const throttle = new InMemoryLoginThrottle(policy, clock);
  await fail(throttle, at('10.5.0.1', 'erin'));
  const pending = await throttle.reserve(at('10.5.0.1', 'erin'));
  const right = await throttle.reserve(at('10.5.0.1', 'erin'));
  if (!pending.allowed || !right.allowed) throw new Error('refused');
  await right.settle('success');
  await pending.settle('failure');
  // One failure left (the pending one): two more fit under the limit of 3, a third does not.
  await fail(throttle, at('10.5.0.1', 'erin'));
  await fail(throttle, at('10.5.0.1', 'erin'));
  expect((await check(throttle, at('10.5.0.1', 'erin'))).allowed).toBe(false);
});

test('when a reserved attempt is released (refused before its hash), then it gives every slot back; settling twice counts once', async () => {
  const throttle = new InMemoryLoginThrottle({ ...policy, maxFailures: 1 }, clock);
  const r = await throttle.reserve(at('10.6.0.1', 'frank'));
  if (!r.allowed) throw new Error('refused');
  expect((await check(throttle, at('10.6.0.1', 'frank'))).allowed).toBe(false);
  await r.settle('released');
  await r.settle('released');
  expect(await check(throttle, at('10.6.0.1', 'frank'))).toEqual({ allowed: true });
});

test('when many distinct keys fail, then the oldest are forgotten so memory stays bounded', async () => {
  const throttle = new InMemoryLoginThrottle({ ...policy, maxFailures: 1, maxKeys: 3 }, clock);
  await fail(throttle, at('a', 'x'));
  await fail(throttle, at('b', 'y'));
  expect((await check(throttle, at('b', 'y'))).allowed).toBe(false);
  expect(await check(throttle, at('a', 'x'))).toEqual({ allowed: true });
});

test('when counters are named, then the pair comes first and an account containing "|" cannot pose as another pair', () => {
  const keys = throttleCounters(policy, at('10.0.0.1', 'a|b')).map((c) => c.key);
  expect(keys).toEqual(['pair:10.0.0.1|a|b', 'account:a|b', 'address:10.0.0.1']);
  expect(retryAfterSeconds(1)).toBe(1);
  expect(retryAfterSeconds(0)).toBe(1);
  expect(retryAfterSeconds(40_001)).toBe(41);
});
