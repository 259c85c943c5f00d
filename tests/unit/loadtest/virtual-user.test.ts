import { createLedger } from '../../../loadtest/ledger';
import { totalCounts } from '../../../loadtest/aggregate';
import { AUTH_MODES, BASELINE_MODE } from '../../../loadtest/modes';
import { VirtualUser, clientAddressFor } from '../../../loadtest/virtual-user';

const mode = (name: string) => AUTH_MODES.find((m) => m.name === name)!;

function user(name: string, now = () => 0, clientAddress?: { address: string; key: string }) {
  const ledger = createLedger(0, '0', 0);
  return { ledger, user: new VirtualUser(mode(name), ledger, { username: 'alice', password: 'pw', clientAddress, now }) };
}

describe('a simulated user', () => {
  it('when it starts, then it logs in once and then repeats GET /me with its session cookie and the proxy cookie', () => {
    const { user: u, ledger } = user('memory');
    const login = u.nextRequest();
    expect(login).toMatchObject({ method: 'POST', path: '/memory/login' });
    expect(JSON.parse(login.body!)).toEqual({ username: 'alice', password: 'pw' });
    u.onResponse(200, { 'X-Instance': 'app1', 'Set-Cookie': ['sid_memory=s%3Aabc; Path=/memory; HttpOnly', 'lb=xyz; Path=/'] }, '{}');
    const me = u.nextRequest();
    expect(me).toMatchObject({ method: 'GET', path: '/memory/me' });
    expect(me.headers.Cookie).toBe('sid_memory=s%3Aabc; lb=xyz');
    u.onResponse(200, { 'x-instance': 'app1' }, '{}');
    expect(totalCounts([ledger])).toMatchObject({ logins: 1, ok: 1, logouts: 0 });
  });

  it('when /me answers 401, then a logout is counted, the next request is a re-login, and it keeps the lb cookie', () => {
    const { user: u, ledger } = user('memory');
    u.nextRequest();
    u.onResponse(200, { 'Set-Cookie': ['sid_memory=a; Path=/memory', 'lb=pin; Path=/'] }, '{}');
    u.nextRequest();
    u.onResponse(401, { 'X-Instance': 'app2' }, '{"error":"unauthenticated"}');
    const relogin = u.nextRequest();
    expect(relogin).toMatchObject({ method: 'POST', path: '/memory/login' });
    expect(relogin.headers.Cookie).toContain('lb=pin');
    expect(totalCounts([ledger])).toMatchObject({ logins: 1, logouts: 1 });
    expect(ledger.shares).toEqual({ app2: 1 });
  });

  it('when a 5xx or a transport error happens, then it is an error, not a logout, and the user stays logged in', () => {
    const { user: u, ledger } = user('redis');
    u.nextRequest();
    u.onResponse(200, {}, '{}');
    u.nextRequest();
    u.onResponse(503, {}, '{"error":"session_store_unavailable"}');
    u.onTransportError();
    expect(u.nextRequest().path).toBe('/redis/me');
    expect(totalCounts([ledger])).toMatchObject({ errors: 2, logouts: 0 });
  });

  it('when it is a JWT user, then it sends the token as Bearer, and renews it before expiry without counting a logout', () => {
    let now = 0;
    const { user: u, ledger } = user('jwt', () => now);
    u.nextRequest();
    u.onResponse(200, {}, JSON.stringify({ accessToken: 'tok', expiresIn: 60 }));
    expect(u.nextRequest().headers.Authorization).toBe('Bearer tok');
    u.onResponse(200, {}, '{}');
    now = 59_000;
    expect(u.nextRequest().path).toBe('/jwt/login');
    expect(totalCounts([ledger]).logouts).toBe(0);
  });

  it('when a login answer has no token, then it is not counted as a login', () => {
    const { user: u, ledger } = user('jwt');
    u.nextRequest();
    u.onResponse(200, {}, 'not json');
    expect(totalCounts([ledger])).toMatchObject({ logins: 0, other: 1 });
    expect(u.isLoggedIn).toBe(false);
  });

  it('when it simulates a client address, then every request carries it as the keyed claim (never X-Forwarded-For), distinct per user', () => {
    const { user: u } = user('memory', () => 0, { address: clientAddressFor(7), key: 'k' });
    const { headers } = u.nextRequest();
    expect(headers).toMatchObject({ 'x-authscale-client-address': clientAddressFor(7), 'x-authscale-client-key': 'k' });
    expect(headers['X-Forwarded-For']).toBeUndefined();
    const addresses = new Set(Array.from({ length: 3000 }, (_, i) => clientAddressFor(i)));
    expect(addresses.size).toBe(3000);
  });

  it('when it has a login address only, then its logins carry it as the keyed claim and its other requests do not', () => {
    const ledger = createLedger(0, '0', 0);
    const u = new VirtualUser(mode('memory'), ledger, { username: 'alice', password: 'pw', loginAddress: { address: clientAddressFor(9), key: 'k' }, now: () => 0 });
    const loginRequest = u.nextRequest();
    expect(loginRequest.path).toBe('/memory/login');
    expect(loginRequest.headers).toMatchObject({ 'x-authscale-client-address': clientAddressFor(9), 'x-authscale-client-key': 'k' });
    expect(loginRequest.headers['X-Forwarded-For']).toBeUndefined();
    u.onResponse(200, { 'set-cookie': 'sid_memory=abc; Path=/' }, '{}');
    const me = u.nextRequest();
    expect(me.path).toBe('/memory/me');
    expect(me.headers['x-authscale-client-address']).toBeUndefined();
  });

  it('when it is a baseline user, then it only GETs /health and never logs in', () => {
    const ledger = createLedger(0, '0', 0);
    const u = new VirtualUser(BASELINE_MODE, ledger, { username: 'x', password: 'y', now: () => 0 });
    expect(u.nextRequest()).toMatchObject({ method: 'GET', path: '/health' });
    u.onResponse(200, {}, '{}');
    expect(totalCounts([ledger])).toMatchObject({ ok: 1, logins: 0 });
  });
});
