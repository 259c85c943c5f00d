import { CLIENT_ADDRESS_HEADER, CLIENT_KEY_HEADER } from '../common/client-address';
import type { AuthModeSpec } from './modes';
import { CookieJar, firstHeader, headerValue } from './cookie-jar';
import { recordErrorKind, recordOutcome, type UserLedger } from './ledger';

/**
 * One simulated person (a "user" in docs/design.md): logs in once, then repeats `GET {mode}/me` with its
 * own cookie or token. A 401 on credentials it had no reason to doubt is a logout; it then logs
 * in again, and that login is counted and paid for like any other request.
 *
 * It is transport-agnostic: the autocannon runner and the fault runner ask it for the next
 * request and hand it each answer.
 */
export interface UserRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** A simulated client address and the key that makes a balancer believe it. */
export interface ClientClaim {
  address: string;
  key: string;
}

export interface VirtualUserOptions {
  username: string;
  password: string;
  /**
   * Simulated client address, claimed on every request with the key derived from the admin token
   * (docs/security.md, "Client address"): the balancer believes it only with that key.
   */
  clientAddress?: ClientClaim;
  /**
   * Claimed the same way on logins only, when `clientAddress` is not set: each simulated user is a
   * different person to the login throttle, without headers on every request.
   */
  loginAddress?: ClientClaim;
  now?: () => number;
  /**
   * After a 401: log in again (what a person does), or keep presenting the credential. Throughput
   * cells and memory + round-robin keep it: their session still lives on the replica that made it,
   * so each request measures the routing, not one more password hash (see docs/bench.md).
   */
  afterLogout?: 'log in again' | 'keep credential';
}

/** Renew a token this long before it expires, so an expiry is never mistaken for a logout. */
const TOKEN_EXPIRY_MARGIN_MS = 2000;

export class VirtualUser {
  private readonly jar = new CookieJar();
  private token: string | undefined;
  private tokenExpiresAt = 0;
  private loggedIn = false;
  private pending: 'login' | 'me' = 'login';
  private readonly now: () => number;

  constructor(
    readonly mode: AuthModeSpec,
    public ledger: UserLedger,
    private readonly options: VirtualUserOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get isLoggedIn(): boolean {
    return this.loggedIn;
  }

  /**
   * Take over another user's credential (its cookies, token and logged-in state): a user logged
   * in for an earlier cell, lent to this one by the run's UserPool instead of hashing again.
   */
  adopt(from: VirtualUser): void {
    this.jar.copyFrom(from.jar);
    this.token = from.token;
    this.tokenExpiresAt = from.tokenExpiresAt;
    this.loggedIn = from.loggedIn;
  }

  /** Drop the credential (a lent one the target no longer honours): the next request is a login. */
  forget(): void {
    this.loggedIn = false;
    this.token = undefined;
  }

  /** From now on, record outcomes in `ledger` (a user logged in during the ramp, then measured in a cell). */
  measureInto(ledger: UserLedger): void {
    this.ledger = ledger;
  }

  nextRequest(): UserRequest {
    const headers: Record<string, string> = {};
    const claim = this.options.clientAddress;
    if (claim) {
      headers[CLIENT_ADDRESS_HEADER] = claim.address;
      headers[CLIENT_KEY_HEADER] = claim.key;
    }
    const cookie = this.jar.header();
    if (cookie) headers.Cookie = cookie;

    if (this.mode.credential === 'none') {
      this.pending = 'me';
      return { method: 'GET', path: '/health', headers };
    }
    if (this.loggedIn && this.mode.credential === 'bearer' && this.now() >= this.tokenExpiresAt - TOKEN_EXPIRY_MARGIN_MS) {
      this.loggedIn = false; // expired: logging in again is expected, not a logout
    }
    if (!this.loggedIn) {
      this.pending = 'login';
      headers['Content-Type'] = 'application/json';
      const login = this.options.loginAddress;
      if (!this.options.clientAddress && login) {
        headers[CLIENT_ADDRESS_HEADER] = login.address;
        headers[CLIENT_KEY_HEADER] = login.key;
      }
      const body = JSON.stringify({ username: this.options.username, password: this.options.password });
      return { method: 'POST', path: `${this.mode.prefix}/login`, headers, body };
    }
    this.pending = 'me';
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    return { method: 'GET', path: `${this.mode.prefix}/me`, headers };
  }

  onResponse(status: number, headers: ResponseHeaders, body: string): void {
    const at = this.now();
    const instance = firstHeader(headers, 'x-instance');
    this.jar.store(headerValue(headers, 'set-cookie'));
    if (this.pending === 'login' && status === 503 && body.includes('"login_overloaded"')) return recordOutcome(this.ledger, 'refused', at, instance);
    if (status >= 500) {
      recordErrorKind(this.ledger, errorKind(status, body));
      return recordOutcome(this.ledger, 'errors', at, instance);
    }

    if (this.pending === 'login') {
      if (status === 200 && this.acceptLogin(body)) return recordOutcome(this.ledger, 'logins', at, instance);
      return recordOutcome(this.ledger, 'other', at, instance);
    }
    if (status >= 200 && status < 300) return recordOutcome(this.ledger, 'ok', at, instance);
    if (status === 401 && this.mode.credential !== 'none') {
      if (this.options.afterLogout !== 'keep credential') this.forget();
      return recordOutcome(this.ledger, 'logouts', at, instance);
    }
    recordOutcome(this.ledger, 'other', at, instance);
  }

  /** The connection failed or timed out: an error; the user keeps its credentials. */
  onTransportError(): void {
    recordErrorKind(this.ledger, 'no answer (connection failed or timed out)');
    recordOutcome(this.ledger, 'errors', this.now());
  }

  private acceptLogin(body: string): boolean {
    if (this.mode.credential === 'bearer') {
      const parsed = parseJson(body);
      const token = parsed?.accessToken;
      if (typeof token !== 'string') return false;
      this.token = token;
      const expiresIn = typeof parsed?.expiresIn === 'number' ? parsed.expiresIn : 900;
      this.tokenExpiresAt = this.now() + expiresIn * 1000;
    }
    this.loggedIn = true;
    return true;
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A distinct simulated client address per user: 10.x.y.z from the user's index. */
export function clientAddressFor(index: number): string {
  const n = index + 1;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** "503 redis_unavailable": an error answer's status and the code of the one JSON error shape (pure). */
export function errorKind(status: number, body: string): string {
  const code = /"error"\s*:\s*"([a-z_]+)"/.exec(body)?.[1];
  return code ? `${status} ${code}` : String(status);
}
