import { CookieJar } from './cookie-jar';

/**
 * A tiny fetch-based client with its own cookie jar and optional bearer token, for the
 * scenarios that follow one user step by step (memory, revocation) rather than load.
 */
export interface JsonResponse {
  status: number;
  body: Record<string, unknown> | undefined;
  instance: string | undefined;
  /** Retry-After, when the answer carried one (a refused login). */
  retryAfter?: string;
}

export class SteppingClient {
  readonly jar = new CookieJar();
  token: string | undefined;
  /** Session modes: the CSRF token from the login answer, sent with every POST (X-CSRF-Token). */
  csrfToken: string | undefined;

  /** `baseUrl` may carry a path (a replica through the proxy's direct route); `fixedHeaders` go with every request. */
  constructor(private readonly baseUrl: string, private readonly fixedHeaders: Record<string, string> = {}, private readonly timeoutMs = 10_000) {}

  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<JsonResponse> {
    const headers: Record<string, string> = { ...this.fixedHeaders };
    const cookie = this.jar.header();
    if (cookie) headers.Cookie = cookie;
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (this.csrfToken && method === 'POST') headers['X-CSRF-Token'] = this.csrfToken;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.baseUrl.replace(/\/$/, '')}${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.timeoutMs),
    });
    this.jar.store(response.headers.getSetCookie());
    const text = await response.text();
    let parsed: Record<string, unknown> | undefined;
    try {
      const value: unknown = JSON.parse(text);
      parsed = value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, instance: response.headers.get('x-instance') ?? undefined, retryAfter: response.headers.get('retry-after') ?? undefined };
  }
}

/** Run `task(i)` for i in [0, count) with at most `concurrency` at once. */
export async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
