/**
 * The bench's side of the latency injector's control API (docs/distance.md): set a link's delay,
 * read the links, and time round trips through a link and straight to its target.
 */
export interface InjectorLink {
  name: string;
  upMs: number;
  downMs: number;
  jitterMs: number;
  connections: number;
}

export interface RoundTripsSummary {
  samples: number;
  p50Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

export interface LinkRoundTrips {
  direct: RoundTripsSummary;
  through: RoundTripsSummary;
}

export class LatencyControl {
  constructor(readonly url: string, private readonly adminToken: string) {}

  private async call<T>(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<T> {
    const response = await fetch(new URL(path, this.url), {
      method,
      headers: { Authorization: `Bearer ${this.adminToken}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    }).catch((error: Error & { cause?: { code?: string } }) => {
      throw new Error(`cannot reach the latency injector at ${this.url} (${error.cause?.code ?? error.message})`);
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`latency injector: ${method} ${path} answered ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async links(): Promise<InjectorLink[]> {
    return (await this.call<{ links: InjectorLink[] }>('GET', '/links')).links;
  }

  async setDelay(link: string, delay: { upMs: number; downMs: number; jitterMs?: number }): Promise<void> {
    await this.call('PUT', `/links/${encodeURIComponent(link)}`, { jitterMs: 0, ...delay });
  }

  roundTrips(link: string, protocol: 'redis' | 'http', samples: number): Promise<LinkRoundTrips> {
    return this.call('GET', `/links/${encodeURIComponent(link)}/rtt?protocol=${protocol}&samples=${samples}`);
  }
}
