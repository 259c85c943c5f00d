import { emptyCounts, type Counts } from './results';

/**
 * What one simulated user lived through, recorded as it happens: outcomes bucketed per second
 * (cheap enough at full load), and the replica that answered each time it changed.
 */
export type Outcome = keyof Counts;

export interface UserLedger {
  readonly id: number;
  /** The user's routing key: its simulated client address on hash-ip, else its index. */
  readonly key: string;
  /** Epoch ms the scenario's load began; seconds in buckets count from here. */
  readonly t0: number;
  readonly buckets: Map<number, Counts>;
  /** [ms since t0, replica] each time the answering replica changed. */
  readonly instances: Array<[number, string]>;
  /** Responses per replica (X-Instance), logins included: the load each replica carried. */
  readonly shares: Record<string, number>;
  /** Errors by what they were: "503 redis_unavailable", "502 upstream_unavailable", "no answer". */
  readonly errorKinds: Record<string, number>;
}

export function createLedger(id: number, key: string, t0: number): UserLedger {
  return { id, key, t0, buckets: new Map(), instances: [], shares: {}, errorKinds: {} };
}

export function bucketSecond(atMs: number, t0: number): number {
  return Math.max(0, Math.floor((atMs - t0) / 1000));
}

export function recordOutcome(ledger: UserLedger, outcome: Outcome, atMs: number, instance?: string): void {
  const second = bucketSecond(atMs, ledger.t0);
  let counts = ledger.buckets.get(second);
  if (!counts) {
    counts = emptyCounts();
    ledger.buckets.set(second, counts);
  }
  counts[outcome] += 1;
  if (instance) {
    ledger.shares[instance] = (ledger.shares[instance] ?? 0) + 1;
    const last = ledger.instances[ledger.instances.length - 1];
    if (!last || last[1] !== instance) ledger.instances.push([atMs - ledger.t0, instance]);
  }
}

/** Counts an error under what it was (its status and error code, or "no answer"). */
export function recordErrorKind(ledger: UserLedger, kind: string): void {
  ledger.errorKinds[kind] = (ledger.errorKinds[kind] ?? 0) + 1;
}
