import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { PickContext, Strategy } from '../balancing/strategy';
import type { Upstream } from '../balancing/upstream-pool';
import type { ReplayableBody } from './request-body';

/** A frontend as the forwarder needs it: its port, its strategy and its response counters. */
export interface FrontendRuntime {
  readonly port: number;
  readonly strategy: Strategy;
  readonly counts: number[];
  /** HTTPS frontend: replicas are told so (X-Forwarded-Proto), cookies are Secure. */
  readonly tls: boolean;
}

/** Who decides what happens to an exchange when one of its streams reports (the Forwarder). */
export interface ExchangeOwner {
  onAttemptFailed(ex: Exchange, err: NodeJS.ErrnoException): void;
  onUpstreamResponseClosed(ex: Exchange, proxyRes: IncomingMessage): void;
  onClientGone(req: IncomingMessage): void;
}

/**
 * The state of one client request across its attempts. One object per request, with a fixed
 * shape, reachable from the request, the response and each upstream request and response
 * through a symbol, so the event handlers can be shared functions instead of per-request closures.
 */
export class Exchange {
  readonly ctx: PickContext = {};
  body: ReplayableBody | undefined;
  upstream: Upstream | undefined;
  attemptOpen = false;
  proxyReq: ClientRequest | undefined;
  proxyRes: IncomingMessage | undefined;
  timedOut = false;
  retriedAfterSend = false;
  done = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly frontend: FrontendRuntime,
    readonly owner: ExchangeOwner,
  ) {}

  /** Close the accounting of the current attempt exactly once. */
  endAttempt(): Upstream | undefined {
    const upstream = this.upstream;
    if (this.attemptOpen && upstream) {
      this.attemptOpen = false;
      upstream.inFlight -= 1;
    }
    return upstream;
  }

  markTried(id: string): void {
    const tried = (this.ctx.tried as string[] | undefined) ?? [];
    tried.push(id);
    this.ctx.tried = tried;
  }
}

export const EXCHANGE = Symbol('authscale.exchange');
export type WithExchange<T> = T & { [EXCHANGE]?: Exchange };
