import type { SessionData } from 'express-session';
import { BoundedMemoryStore } from '../../../services/app/auth/bounded-memory-store';

const clock = { current: 1_000_000, now() { return this.current; } };
const record = (user: string) => ({ user, cookie: { originalMaxAge: 1000 } }) as unknown as SessionData;
const get = (store: BoundedMemoryStore, sid: string) =>
  new Promise<SessionData | null | undefined>((resolve) => store.get(sid, (_err, value) => resolve(value)));

function newStore(maxSessions: number) {
  return new BoundedMemoryStore({ maxSessions, ttlSeconds: 10, pruneIntervalMs: 0 }, clock);
}

test('when more sessions are stored than the bound, then the least recently used ones are evicted', async () => {
  const store = newStore(3);
  store.set('a', record('a'));
  store.set('b', record('b'));
  store.set('c', record('c'));
  await get(store, 'a'); // a becomes the most recent; b is now the least recently used
  store.set('d', record('d'));
  store.set('e', record('e'));
  expect(await get(store, 'b')).toBeNull();
  expect(await get(store, 'c')).toBeNull();
  expect((await get(store, 'a'))?.user).toBe('a');
  expect(store.size).toBe(3);
  expect(store.evictions).toBe(2);
});

test('when sessions expire, then get refuses them and prune drops them all', async () => {
  const store = newStore(100);
  store.set('old1', record('x'));
  store.set('old2', record('y'));
  clock.current += 6_000;
  store.set('fresh', record('z'));
  clock.current += 5_000;
  expect(await get(store, 'old1')).toBeNull();
  expect(store.prune()).toBe(1); // old2 (old1 was already dropped by get)
  expect(store.size).toBe(1);
  expect((await get(store, 'fresh'))?.user).toBe('z');
});

test('when a stored record is read and changed, then the store keeps its own copy', async () => {
  const store = newStore(10);
  store.set('s', record('alice'));
  const first = await get(store, 's');
  first!.user = 'mallory';
  expect((await get(store, 's'))?.user).toBe('alice');
});

test('when a session is destroyed, then it is gone', async () => {
  const store = newStore(10);
  store.set('s', record('alice'));
  store.destroy('s');
  expect(await get(store, 's')).toBeNull();
});
