import { untried, type PickContext, type Strategy } from './strategy';
import type { Upstream } from './upstream-pool';

/** Each eligible upstream in turn. One counter; correct across changes of the eligible set. */
export class RoundRobinStrategy implements Strategy {
  readonly name = 'round-robin';
  readonly needs = { clientAddress: false, affinity: false } as const;
  private next = 0;

  pick(eligible: readonly Upstream[], ctx: PickContext): Upstream | undefined {
    const candidates = untried(eligible, ctx.tried);
    if (candidates.length === 0) return undefined;
    // Wrap well before 2^53 so the modulo stays exact forever.
    this.next = (this.next + 1) % 1_000_000_007;
    return candidates[this.next % candidates.length];
  }
}
