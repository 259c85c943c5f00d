import type { Logger } from '../../common/logger';
import type { UpstreamPool } from '../balancing/upstream-pool';
import { UPSTREAM_ID } from '../config';

export interface DiscoveryTarget {
  /** e.g. `tasks.app`: Docker's DNS answers with one address per running task. */
  readonly name: string;
  readonly port: number;
  readonly intervalMs: number;
  /** A vanished task is drained (no new requests) and removed once idle, or after this long. */
  readonly drainMs: number;
}

export interface DiscoveryDeps {
  /** All addresses of a name; rejects with code ENOTFOUND/ENODATA when it has none. */
  resolve(name: string): Promise<string[]>;
  /** The replica's identity (its /health `instance`), or undefined when it does not answer healthy. */
  identify(url: string): Promise<string | undefined>;
  readonly pool: UpstreamPool;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** "No such name" means no task runs right now: an empty set, not a failure to keep the old one. */
const NO_ADDRESSES = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Upstreams from DNS, like nginx's `server … resolve` or HAProxy's `server-template`: every
 * interval the name is re-resolved; a new address is asked who it is (GET /health → instance,
 * i.e. the swarm task) and added to the pool under that id, so cookies and hashes name tasks,
 * never recycled addresses; a vanished one is drained, then removed. A failed lookup keeps the
 * current set (a DNS hiccup must not empty the pool). The pool still owns health: the active
 * checker probes what discovery adds.
 */
export class DnsDiscovery {
  /** address → upstream id it was identified as. */
  private readonly byAddress = new Map<string, string>();
  private readonly retiring = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lookupFailing = false;

  constructor(
    private readonly target: DiscoveryTarget,
    private readonly deps: DiscoveryDeps,
  ) {}

  /** First resolution (awaited, so the proxy opens knowing its upstreams), then one per interval. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.target.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round; overlapping rounds are merged (a slow identify never stacks up requests). */
  refresh(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<void> {
    const addresses = await this.lookup();
    if (addresses !== undefined) {
      const current = new Set(addresses);
      for (const [address, id] of this.byAddress) {
        if (!current.has(address)) {
          this.byAddress.delete(address);
          this.retire(id, `${address} no longer in ${this.target.name}`);
        }
      }
      await Promise.all(addresses.map((address) => this.reconcile(address)));
    }
    this.sweep();
  }

  private async lookup(): Promise<string[] | undefined> {
    try {
      const addresses = await this.deps.resolve(this.target.name);
      this.recovered();
      return [...new Set(addresses)].sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== undefined && NO_ADDRESSES.has(code)) {
        this.recovered();
        return [];
      }
      if (!this.lookupFailing) {
        this.lookupFailing = true;
        this.deps.logger.warn({ name: this.target.name, err: code ?? String(err) }, 'upstream lookup failing: keeping the current upstreams');
      }
      return undefined;
    }
  }

  private recovered(): void {
    if (!this.lookupFailing) return;
    this.lookupFailing = false;
    this.deps.logger.info({ name: this.target.name }, 'upstream lookup answering again');
  }

  private async reconcile(address: string): Promise<void> {
    const url = `http://${address.includes(':') ? `[${address}]` : address}:${this.target.port}`;
    const id = await this.deps.identify(url);
    // Not answering healthy yet (starting) or not at all: ask again next round; a known one stays.
    if (id === undefined) return;
    const { pool } = this.deps;
    if (!UPSTREAM_ID.test(id)) {
      this.deps.logger.warn({ address, instance: id }, 'replica identity is not a valid upstream id: ignored');
      return;
    }
    const known = this.byAddress.get(address);
    if (known === id) return;
    // The address now belongs to another task (reused), or the task moved: retire the stale entry.
    if (known !== undefined) this.retire(known, `${address} is now ${id}`);
    for (const [other, otherId] of this.byAddress) {
      if (otherId === id) {
        this.byAddress.delete(other);
        this.retire(otherId, `${id} moved to ${address}`);
      }
    }
    if (pool.get(id)) this.finishRemoval(id);
    this.retiring.delete(id);
    pool.add(id, url);
    this.byAddress.set(address, id);
  }

  private retire(id: string, reason: string): void {
    if (this.retiring.has(id) || !this.deps.pool.get(id)) return;
    this.deps.logger.info({ upstream: id, reason }, 'upstream vanished from DNS: draining');
    this.deps.pool.drain(id);
    this.retiring.set(id, this.now() + this.target.drainMs);
  }

  /** Removes drained upstreams once their in-flight requests are done (or the drain deadline passed). */
  private sweep(): void {
    for (const [id, deadline] of this.retiring) {
      const upstream = this.deps.pool.get(id);
      if (upstream === undefined || upstream.inFlight === 0 || this.now() >= deadline) this.finishRemoval(id);
    }
  }

  private finishRemoval(id: string): void {
    this.retiring.delete(id);
    this.deps.pool.remove(id);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}
