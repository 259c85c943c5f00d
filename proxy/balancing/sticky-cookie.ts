import { AFFINITY_COOKIE, affinityValue } from '../../common/balancing';
import { readCookie } from '../../common/cookie-header';
import { untried, type PickContext, type Strategy } from './strategy';
import type { Upstream } from './upstream-pool';

export { AFFINITY_COOKIE, readCookie };

/**
 * Affinity by cookie, like HAProxy's `cookie SERVERID insert`: the first response sets `lb` to an
 * opaque value naming the upstream (an HMAC of its id keyed by AFFINITY_SECRET, truncated — never
 * an address, and not forgeable into another id without the secret). A cookie naming an unknown,
 * tampered, unhealthy or draining upstream is not an error: the wrapped fallback strategy picks a
 * healthy one and the cookie is re-set.
 */
export class StickyCookieStrategy implements Strategy {
  readonly name = 'sticky-cookie';
  readonly needs = { clientAddress: false, affinity: true } as const;
  private readonly byValue = new Map<string, string>();
  private readonly byId = new Map<string, { value: string; setCookie: string }>();

  constructor(
    private readonly secret: string,
    private readonly fallback: Strategy,
    /** On an HTTPS frontend the cookie is Secure, like the replicas' session cookies. */
    private readonly secure = false,
  ) {}

  pick(eligible: readonly Upstream[], ctx: PickContext): Upstream | undefined {
    if (ctx.affinity !== undefined) {
      let id = this.byValue.get(ctx.affinity);
      if (id === undefined) {
        // Values are computed lazily; a cookie set by an earlier process may name an id not seen yet.
        this.learn(eligible);
        id = this.byValue.get(ctx.affinity);
      }
      if (id !== undefined && (ctx.tried === undefined || !ctx.tried.includes(id))) {
        for (let i = 0; i < eligible.length; i++) if (eligible[i].id === id) return eligible[i];
      }
    }
    const candidates = untried(eligible, ctx.tried);
    return this.fallback.pick(candidates, {});
  }

  affinityCookie(picked: Upstream, ctx: PickContext): string | undefined {
    const entry = this.entryFor(picked.id);
    return ctx.affinity === entry.value ? undefined : entry.setCookie;
  }

  /** The opaque value for an id; computed once per id (an HMAC per request would cost ~2 µs). */
  valueFor(id: string): string {
    return this.entryFor(id).value;
  }

  private entryFor(id: string): { value: string; setCookie: string } {
    let entry = this.byId.get(id);
    if (entry === undefined) {
      const value = affinityValue(this.secret, id);
      entry = { value, setCookie: `${AFFINITY_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}` };
      this.byId.set(id, entry);
      this.byValue.set(value, id);
    }
    return entry;
  }

  /** Make sure every eligible upstream's value is known, so a cookie set before a restart is recognised. */
  learn(upstreams: readonly Upstream[]): void {
    for (const u of upstreams) this.entryFor(u.id);
  }
}
