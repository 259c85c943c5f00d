import net from 'node:net';
import type { Logger } from '../common/logger';
import { DelayLine } from './delay-line';

/** The delay of a link, per direction: `up` carries the client's bytes to the target, `down` the answers. */
export interface LinkDelay {
  upMs: number;
  downMs: number;
  jitterMs: number;
}

export interface LinkSpec {
  name: string;
  listenHost: string;
  listenPort: number;
  targetHost: string;
  targetPort: number;
}

export interface LinkState extends LinkSpec, LinkDelay {
  connections: number;
  /** Bytes held in the link right now (delayed, or waiting for a congested peer): bounded per connection. */
  heldBytes: number;
  /** Connections accepted since start, and those refused at the connection cap. */
  accepted: number;
  refused: number;
}

export interface LinkLimits {
  maxConnections: number;
  maxQueuedBytes: number;
  connectTimeoutMs: number;
}

/**
 * One delayed TCP link: a listener that opens a connection to the target for each client and
 * joins the two through a DelayLine per direction. Half-close is passed on in order (FIN after the
 * last byte); a reset or error on either side resets the other at once, so a dead Redis looks
 * dead through the link too; a target that cannot be reached resets the client.
 */
export class Link {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly lines = new Set<DelayLine>();
  private current: LinkDelay;
  private accepted = 0;
  private refused = 0;
  private pairs = 0;

  constructor(
    readonly spec: LinkSpec,
    delay: LinkDelay,
    private readonly limits: LinkLimits,
    private readonly logger: Logger,
  ) {
    this.current = { ...delay };
  }

  get delay(): LinkDelay {
    return { ...this.current };
  }

  /** Applies to bytes that arrive from now on; bytes already held keep their due time. */
  setDelay(delay: LinkDelay): void {
    const before = this.current;
    this.current = { ...delay };
    if (before.upMs !== delay.upMs || before.downMs !== delay.downMs || before.jitterMs !== delay.jitterMs) {
      this.logger.info({ link: this.spec.name, ...delay }, 'delay changed');
    }
  }

  state(): LinkState {
    return { ...this.spec, ...this.current, connections: this.pairs,
      heldBytes: [...this.lines].reduce((n, l) => n + l.held, 0), accepted: this.accepted, refused: this.refused };
  }

  async listen(): Promise<number> {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (client) => this.join(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.spec.listenPort, this.spec.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as net.AddressInfo).port;
  }

  private join(client: net.Socket): void {
    this.accepted += 1;
    if (this.pairs >= this.limits.maxConnections) {
      this.refused += 1;
      client.resetAndDestroy();
      return;
    }
    this.pairs += 1;
    const target = net.connect({ host: this.spec.targetHost, port: this.spec.targetPort, allowHalfOpen: true, noDelay: true });
    target.pause();
    this.sockets.add(client);
    this.sockets.add(target);
    const connectTimer = setTimeout(() => target.destroy(new Error('connect timeout')), this.limits.connectTimeoutMs);
    const lines = [
      new DelayLine(client, target, {
        delay: () => ({ delayMs: this.current.upMs, jitterMs: this.current.jitterMs }), maxQueuedBytes: this.limits.maxQueuedBytes,
      }),
      new DelayLine(target, client, {
        delay: () => ({ delayMs: this.current.downMs, jitterMs: this.current.jitterMs }), maxQueuedBytes: this.limits.maxQueuedBytes,
      }),
    ];
    lines.forEach((l) => this.lines.add(l));
    let closed = 0;
    const onClose = (): void => {
      closed += 1;
      if (closed === 2) {
        this.pairs -= 1;
        lines.forEach((l) => {
          l.discard();
          this.lines.delete(l);
        });
      }
    };
    // A reset (or any error) is passed on at once: what was held is dropped, as a real RST drops it.
    const resetOther = (other: net.Socket) => (): void => {
      lines.forEach((l) => l.discard());
      if (!other.destroyed) other.resetAndDestroy();
    };
    client.on('error', resetOther(target));
    target.on('error', resetOther(client));
    // With allowHalfOpen a socket closes itself once it has both sent and received its FIN.
    for (const socket of [client, target]) {
      socket.on('close', () => {
        clearTimeout(connectTimer);
        this.sockets.delete(socket);
        onClose();
      });
    }
    target.once('connect', () => {
      clearTimeout(connectTimer);
      target.resume();
      client.resume();
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
