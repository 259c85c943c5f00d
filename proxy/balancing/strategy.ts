import type { Upstream } from './upstream-pool';

/**
 * What a strategy may know about one request (Envoy's LoadBalancerContext). Every field is
 * optional: a strategy must still pick when the context is empty.
 */
export interface PickContext {
  /** The client address per docs/design.md (hash-ip keys on it). */
  clientAddress?: string;
  /** The value of the `lb` affinity cookie, as the client sent it. */
  affinity?: string;
  /** Upstream ids already tried on this request (a retry must go elsewhere). */
  tried?: readonly string[];
}

/** A pure routing rule: given the eligible upstreams, choose one (or none). */
export interface Strategy {
  readonly name: string;
  /** Whether the caller must fill ctx.clientAddress / ctx.affinity (skipped otherwise: less per-request work). */
  readonly needs: { readonly clientAddress: boolean; readonly affinity: boolean };
  pick(eligible: readonly Upstream[], ctx: PickContext): Upstream | undefined;
  /** A Set-Cookie value to add to the response when the client's affinity must be (re)set. */
  affinityCookie?(picked: Upstream, ctx: PickContext): string | undefined;
}

/** The eligible upstreams minus those already tried; the same array when nothing was tried (no allocation). */
export function untried(eligible: readonly Upstream[], tried: readonly string[] | undefined): readonly Upstream[] {
  if (tried === undefined || tried.length === 0) return eligible;
  return eligible.filter((u) => !tried.includes(u.id));
}
