import { CLIENT_ADDRESS_HEADER, CLIENT_KEY_HEADER, clientAddressKey } from '../../common/client-address';
import { DEVELOPMENT_SECRETS } from '../../common/config';
import { pollUntil } from '../../common/poll';

/**
 * The kill experiment, as a user of the cluster sees it, shared by the local cluster test
 * (tests/cluster/) and the Docker one (tests/compose/): the same checks against either way of
 * running the topology. Only HTTP through the proxy's frontends; the cluster is driven through
 * the small ClusterUnderTest interface (the launcher's act(), or `docker compose kill/start`).
 */

export type Mode = 'memory' | 'redis' | 'jwt';
export const MODES: readonly Mode[] = ['memory', 'redis', 'jwt'];

export interface Frontend {
  strategy: string;
  url: string;
}

export interface ClusterUnderTest {
  frontends: readonly Frontend[];
  kill(service: string): Promise<void>;
  start(service: string): Promise<void>;
}

export const PASSWORD = 'demo-password';
/** Both clusters under test run with the admin token of the environment, or the development one. */
const CLIENT_KEY = clientAddressKey(process.env.ADMIN_TOKEN || DEVELOPMENT_SECRETS.admin);

export interface Answer {
  status: number;
  instance: string | null;
  body: Record<string, unknown>;
}

/** One person in one browser (own cookie jar, own token, own client address) on one frontend and mode. */
export class User {
  private readonly cookies = new Map<string, string>();
  private token: string | undefined;
  /** Replica that served the login: where a memory session lives. */
  homeInstance: string | null = null;

  constructor(
    readonly frontend: Frontend,
    readonly mode: Mode,
    readonly name = 'alice',
    /** Claimed with the key derived from the admin token (docs/security.md), so hash-ip sees distinct clients. */
    readonly clientAddress = '198.51.100.1',
  ) {}

  private headers(json: boolean): Record<string, string> {
    const headers: Record<string, string> = { [CLIENT_ADDRESS_HEADER]: this.clientAddress, [CLIENT_KEY_HEADER]: CLIENT_KEY };
    if (json) headers['content-type'] = 'application/json';
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return headers;
  }

  private async call(method: string, route: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${this.frontend.url}/${this.mode}${route}`, {
      method,
      headers: this.headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { text };
    }
    return { status: response.status, instance: response.headers.get('x-instance'), body: parsed };
  }

  async login(): Promise<Answer> {
    const answer = await this.call('POST', '/login', { username: this.name, password: PASSWORD });
    if (answer.status === 200) {
      this.homeInstance = answer.instance;
      if (typeof answer.body.accessToken === 'string') this.token = answer.body.accessToken;
    }
    return answer;
  }

  me(): Promise<Answer> {
    return this.call('GET', '/me');
  }

  /** A cookie this user's browser holds (e.g. the balancer's `lb`). */
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

export function frontendOf(cluster: { frontends: readonly Frontend[] }, strategy: string): Frontend {
  const frontend = cluster.frontends.find((f) => f.strategy === strategy);
  if (!frontend) throw new Error(`no ${strategy} frontend`);
  return frontend;
}

/** Log in users on `strategy` until at least one is served by `target` and one by another replica. */
export async function usersAround(cluster: { frontends: readonly Frontend[] }, strategy: string, mode: Mode, target: string, max = 24): Promise<{ onTarget: User[]; elsewhere: User[] }> {
  const onTarget: User[] = [];
  const elsewhere: User[] = [];
  for (let i = 1; i <= max && (onTarget.length === 0 || elsewhere.length === 0); i++) {
    const user = new User(frontendOf(cluster, strategy), mode, ['alice', 'bob', 'carol'][i % 3], `198.51.100.${i}`);
    const answer = await user.login();
    if (answer.status !== 200) throw new Error(`login ${mode} on ${strategy} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    (answer.instance === target ? onTarget : elsewhere).push(user);
  }
  return { onTarget, elsewhere };
}

/** Status of `me` for each user, e.g. [200, 200, 401]. */
export async function meStatuses(users: readonly User[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const user of users) statuses.push((await user.me()).status);
  return statuses;
}

/** Replica ids that answered `count` requests to the round-robin frontend's /health. */
export async function instancesSeen(cluster: { frontends: readonly Frontend[] }, count = 9): Promise<Set<string>> {
  const seen = new Set<string>();
  const url = `${frontendOf(cluster, 'round-robin').url}/health`;
  for (let i = 0; i < count; i++) {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    const instance = response.headers.get('x-instance');
    if (instance) seen.add(instance);
  }
  return seen;
}

export function eventually(check: () => Promise<boolean>, timeoutMs: number, stepMs = 200): Promise<boolean> {
  return pollUntil(check, { timeoutMs, stepMs });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
