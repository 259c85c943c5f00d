import { fmix32, fnv1a } from './hash';
import { untried, type PickContext, type Strategy } from './strategy';
import type { Upstream } from './upstream-pool';

/**
 * Consistent hashing of the client address by rendezvous hashing (highest random weight):
 * every upstream scores the key, the highest score wins. Adding an upstream takes over only
 * the keys it now wins (≈1/N of them); removing one moves only its own keys, each to its
 * runner-up. Unlike a ring it needs no virtual nodes and no rebuild when the eligible set
 * changes, and it balances evenly. The cost is O(N) integer mixes per request, which for a
 * handful of replicas is cheaper than a ring's binary search over hundreds of points.
 */
export class HashIpStrategy implements Strategy {
  readonly name = 'hash-ip';
  readonly needs = { clientAddress: true, affinity: false } as const;
  private readonly seeds = new Map<string, number>();
  private fallback = 0;

  pick(eligible: readonly Upstream[], ctx: PickContext): Upstream | undefined {
    const candidates = untried(eligible, ctx.tried);
    if (candidates.length === 0) return undefined;
    if (ctx.clientAddress === undefined) {
      // No key: spread rather than send every anonymous request to one replica.
      this.fallback = (this.fallback + 1) % 1_000_000_007;
      return candidates[this.fallback % candidates.length];
    }
    return rendezvous(candidates, fnv1a(ctx.clientAddress), (u) => this.seedOf(u.id));
  }

  private seedOf(id: string): number {
    let seed = this.seeds.get(id);
    if (seed === undefined) {
      seed = fmix32(fnv1a(id));
      this.seeds.set(id, seed);
    }
    return seed;
  }
}

/** The candidate with the highest score for `keyHash`; ties (2^-32) go to the smaller id. */
export function rendezvous<T extends { id: string }>(candidates: readonly T[], keyHash: number, seedOf: (c: T) => number): T {
  let best = candidates[0];
  let bestScore = score(keyHash, seedOf(best));
  for (let i = 1; i < candidates.length; i++) {
    const c = candidates[i];
    const s = score(keyHash, seedOf(c));
    if (s > bestScore || (s === bestScore && c.id < best.id)) {
      best = c;
      bestScore = s;
    }
  }
  return best;
}

function score(keyHash: number, seed: number): number {
  // Two rounds of mixing so that keys differing in few bits get unrelated scores per upstream.
  return fmix32(fmix32(keyHash ^ seed) + seed);
}
