import { AFFINITY_COOKIE, affinityValue } from '../../common/balancing';
import { untried, type PickContext, type Strategy } from './strategy';
import type { Upstream } from './upstream-pool';

export { AFFINITY_COOKIE };

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

/**
 * The value of cookie `name` in a Cookie header, without parsing the other cookies. A match must
 * start the header or a pair (after ";" and optional spaces): "a=x lb=v" or "a=x,lb=v" is one
 * malformed cookie `a`, not `lb`. A value with characters no cookie-octet may hold (space,
 * quote, comma, backslash; RFC 6265 §4.1.1) is no affinity value.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let from = 0;
  for (;;) {
    const at = header.indexOf(name, from);
    if (at === -1) return undefined;
    const end = at + name.length;
    if (startsPair(header, at) && header.charCodeAt(end) === 61 /* = */) {
      const stop = header.indexOf(';', end + 1);
      const value = header.slice(end + 1, stop === -1 ? undefined : stop).trim();
      return COOKIE_VALUE.test(value) ? value : undefined;
    }
    from = end;
  }
}

const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/** Whether position `at` begins a cookie pair: the header's start, or ";" then optional spaces/tabs. */
function startsPair(header: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (header.charCodeAt(i) === 32 || header.charCodeAt(i) === 9)) i--;
  return i < 0 || header.charCodeAt(i) === 59 /* ; */;
}
