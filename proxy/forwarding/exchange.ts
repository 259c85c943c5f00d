import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PickContext, Strategy } from '../balancing/strategy';
import type { Upstream } from '../balancing/upstream-pool';

/** A frontend as the forwarder needs it: its port, its strategy and its response counters. */
export interface FrontendRuntime {
  readonly port: number;
  readonly strategy: Strategy;
  readonly counts: number[];
  /** HTTPS frontend: replicas are told so (X-Forwarded-Proto), cookies are Secure. */
  readonly tls: boolean;
}

/** Who decides what happens to an exchange when the upstream client reports (the Forwarder). */
export interface ExchangeOwner {
  onUpstreamHeaders(ex: Exchange, status: number, raw: Buffer[], statusText: string): void;
  onUpstreamComplete(ex: Exchange): void;
  onAttemptFailed(ex: Exchange, err: NodeJS.ErrnoException): void;
  onClientGone(ex: Exchange): void;
}

/**
 * The state of one client request across its attempts, and the handler undici calls for the
 * current attempt (its dispatch handler interface: onConnect, onHeaders, onData, onComplete,
 * onError). One object per request with a fixed shape, no per-request closures.
 */
export class Exchange {
  readonly ctx: PickContext = {};
  /** The buffered request body (null: none), sent again as is on a retry. */
  body: Buffer | null = null;
  upstream: Upstream | undefined;
  attemptOpen = false;
  retriedAfterSend = false;
  done = false;
  /** Cancels the attempt in flight (undici's abort), set once it is connected. */
  abort: ((reason?: Error) => void) | undefined = undefined;
  /** Resumes the upstream body after the client caught up (backpressure). */
  resume: (() => void) | undefined = undefined;
  /** Which attempt undici's callbacks belong to: a late callback of an abandoned attempt is ignored. */
  attempt = 0;

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

/**
 * undici's handler for one attempt: forwards to the exchange while the attempt is current. A new
 * object per attempt (small, fixed shape) so a late callback of an aborted attempt cannot touch the next.
 */
export class AttemptHandler {
  constructor(readonly ex: Exchange, readonly attempt: number) {}

  private get current(): boolean {
    return this.ex.attempt === this.attempt && !this.ex.done;
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.current) this.ex.abort = abort;
    else abort();
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    if (!this.current) return false;
    this.ex.resume = resume;
    this.ex.owner.onUpstreamHeaders(this.ex, status, raw, statusText);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (!this.current) return false;
    // false pauses the upstream socket until the client drains (resume on 'drain').
    if (this.ex.res.write(chunk)) return true;
    this.ex.res.once('drain', this.ex.resume!);
    return false;
  }

  onComplete(): void {
    if (this.current) this.ex.owner.onUpstreamComplete(this.ex);
  }

  onError(err: Error): void {
    if (this.current) this.ex.owner.onAttemptFailed(this.ex, err as NodeJS.ErrnoException);
  }
}

export const EXCHANGE = Symbol('authscale.exchange');
export type WithExchange<T> = T & { [EXCHANGE]?: Exchange };
