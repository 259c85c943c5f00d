import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLedger } from '../../../loadtest/ledger';
import { AUTH_MODES } from '../../../loadtest/modes';
import { UserPool } from '../../../loadtest/user-pool';
import { VirtualUser } from '../../../loadtest/virtual-user';

const mode = (name: string) => AUTH_MODES.find((m) => m.name === name)!;
const users = (name: string, count: number) =>
  Array.from({ length: count }, (_, i) => new VirtualUser(mode(name), createLedger(i, String(i), 0), { username: 'alice', password: 'pw' }));

/**
 * A stand-in replica for the pool's own protocol (pure client logic): /jwt/login issues a numbered
 * token, /jwt/me honours tokens not listed in `revoked`, and it counts logins.
 */
function tokenServer() {
  const revoked = new Set<string>();
  let logins = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/jwt/login') {
      logins++;
      res.setHeader('content-type', 'application/json');
      return void res.end(JSON.stringify({ accessToken: `t${logins}`, expiresIn: 900 }));
    }
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    res.statusCode = req.url === '/jwt/me' && token && !revoked.has(token) ? 200 : 401;
    res.end('{}');
  });
  return { server, revoked, logins: () => logins };
}

describe('the run\'s pool of logged-in users', () => {
  const target = tokenServer();
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => target.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(target.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => target.server.close(() => resolve())));

  const at = (firstSlot = 0) => ({ key: UserPool.key(url, mode('jwt'), 'round-robin'), firstSlot, url, concurrency: 2, signal: new AbortController().signal });

  it('when a later cell asks for the same slots, then its users take over the credentials the target still honours, and only the others log in again', async () => {
    const pool = new UserPool();
    const first = await pool.prepare(users('jwt', 4), at());
    expect(first).toMatchObject({ users: 4, loggedIn: 4, reused: 0 });
    expect(target.logins()).toBe(4);

    target.revoked.add('t2'); // e.g. its session died with a killed replica
    const second = users('jwt', 4);
    const again = await pool.prepare(second, at());
    expect(again).toMatchObject({ users: 4, loggedIn: 4, reused: 3 });
    expect(target.logins()).toBe(5);
    expect(second.every((u) => u.isLoggedIn)).toBe(true);
  });

  it('when cells take different slots, then they share no credential', async () => {
    const pool = new UserPool();
    await pool.prepare(users('jwt', 2), at(0));
    const before = target.logins();
    const other = await pool.prepare(users('jwt', 2), at(2));
    expect(other.reused).toBe(0);
    expect(target.logins()).toBe(before + 2);
  });

  it('when the mode keeps sessions in process memory, then its credentials are pooled per frontend strategy; tokens and Redis sessions across frontends', () => {
    expect(UserPool.key(url, mode('memory'), 'round-robin')).not.toBe(UserPool.key(url, mode('memory'), 'sticky-cookie'));
    expect(UserPool.key(url, mode('redis'), 'round-robin')).toBe(UserPool.key(url, mode('redis'), 'hash-ip'));
    expect(UserPool.key(url, mode('jwt'), 'round-robin')).not.toBe(UserPool.key('http://127.0.0.1:1', mode('jwt'), 'round-robin'));
  });
});
