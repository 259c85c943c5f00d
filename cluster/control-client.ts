import type { ServiceState } from './service-process';

/** HTTP client of the launcher's control API; what the CLI (and anyone else) uses to drive a running cluster. */
export class ControlUnreachableError extends Error {}

export interface ClusterInfo {
  pid: number;
  frontends: { port: number; strategy: string; url: string }[];
  /** HAProxy and nginx when the cluster runs them (absent from launchers before they existed). */
  balancers?: { name: string; frontends: { port: number; strategy: string; url: string }[] }[];
  controlUrl: string;
  redisUrl: string | null;
  redisTopology?: string;
  sentinels?: string[] | null;
  /** The latency injector's control API, when the cluster runs one (`up --latency`). */
  latency?: { controlUrl: string } | null;
  runDir: string;
  warnings: string[];
}

export class ControlClient {
  constructor(readonly url: string, private readonly token: string) {}

  private async request<T>(method: 'GET' | 'POST', route: string, timeoutMs = 30_000): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${route}`, {
        method,
        headers: { authorization: `Bearer ${this.token}` },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new ControlUnreachableError(`no cluster answers at ${this.url} (${(error as Error).cause ? String((error as Error & { cause: Error }).cause.message) : (error as Error).message})`);
    }
    const body = (await response.json().catch(() => ({}))) as T & { error?: string; message?: string };
    if (!response.ok) throw new Error(body.message ?? `${method} ${route}: HTTP ${response.status}`);
    return body;
  }

  async services(): Promise<ServiceState[]> {
    return (await this.request<{ services: ServiceState[] }>('GET', '/services')).services;
  }

  /** `timeoutMs`: a start waits until the service is healthy, which at the production hash cost can take long. */
  async act(service: string, verb: string, signal?: string, timeoutMs?: number): Promise<ServiceState> {
    const query = signal ? `?signal=${encodeURIComponent(signal)}` : '';
    return (await this.request<{ service: ServiceState }>('POST', `/services/${encodeURIComponent(service)}/${verb}${query}`, timeoutMs)).service;
  }

  info(timeoutMs?: number): Promise<ClusterInfo> {
    return this.request<ClusterInfo>('GET', '/cluster', timeoutMs);
  }

  async down(): Promise<void> {
    await this.request('POST', '/cluster/down');
  }
}
