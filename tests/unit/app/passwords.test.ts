import { loadAppConfig } from '../../../services/app/config';
import { UserDirectory, hashPassword, verifyPassword } from '../../../services/app/passwords';

test('when a password is hashed, then only the same password verifies, and two hashes of it differ (salt)', async () => {
  const a = await hashPassword('correct horse', 10);
  const b = await hashPassword('correct horse', 10);
  expect(a.hash.equals(b.hash)).toBe(false);
  expect(await verifyPassword('correct horse', a)).toBe(true);
  expect(await verifyPassword('correct horsE', a)).toBe(false);
});

test('when the default cost (OWASP N=2^17, 128 MiB) is used, then hashing works despite Node\'s 32 MiB scrypt default', async () => {
  const cost = loadAppConfig({}).passwords.hashCost;
  expect(cost).toBe(17);
  const stored = await hashPassword('demo-password', cost);
  expect(await verifyPassword('demo-password', stored)).toBe(true);
});

test('when the demo directory is asked, then alice, bob and carol log in with the demo password, and nobody else', async () => {
  const users = await UserDirectory.demo('pw', 10);
  for (const user of ['alice', 'bob', 'carol']) expect(await users.authenticate(user, 'pw')).toBe(user);
  expect(await users.authenticate('alice', 'nope')).toBeUndefined();
  expect(await users.authenticate('mallory', 'pw')).toBeUndefined();
});

test('when the user is unknown, then checking takes about as long as a wrong password (a full hash)', async () => {
  const users = await UserDirectory.demo('pw', 14);
  const time = async (user: string) => {
    const started = performance.now();
    for (let i = 0; i < 3; i++) await users.authenticate(user, 'wrong');
    return performance.now() - started;
  };
  await time('alice'); // warm-up
  const known = await time('alice');
  const unknown = await time('mallory');
  // Without the dummy hash an unknown user would answer in ~0 ms; the bounds are loose for a busy 2-core machine.
  expect(unknown).toBeGreaterThan(known * 0.3);
  expect(unknown).toBeLessThan(known * 3);
});
