import dns from 'node:dns';
import type { LookupFunction } from 'node:net';

/** Every address of a name for one address family (0: any), as `dns.lookup(name, { all: true })` gives them. */
export type ResolveAddresses = (hostname: string, family: number) => Promise<dns.LookupAddress[]>;

export interface UpstreamLookupOptions {
  /** How long one answer is reused; 0 resolves for every new connection (Node's own behaviour). */
  readonly ttlMs: number;
  readonly resolve?: ResolveAddresses;
  readonly now?: () => number;
}

interface Answer {
  readonly addresses: dns.LookupAddress[];
  readonly expires: number;
}

const systemResolve: ResolveAddresses = (hostname, family) => dns.promises.lookup(hostname, { all: true, family });

/**
 * The host-name lookup of every connection the proxy opens to a replica (`lookup` of
 * `net.connect`), sharing one answer per name for `ttlMs` and one lookup among the callers that
 * arrive while it runs. Node resolves a name again for each new connection, on libuv's four
 * threads: when a storm makes the proxy open hundreds of upstream connections at once (a stack
 * named `app1` in compose, Docker's DNS at 127.0.0.11) the lookups queue there, and a request
 * that needed a new connection waits behind them. A short TTL keeps a replica recreated at a new
 * address reachable within it, like nginx's `resolve` or HAProxy's `hold valid`. A failed lookup
 * is not kept: the next connection asks again.
 */
export function upstreamLookup(options: UpstreamLookupOptions): LookupFunction {
  const resolve = options.resolve ?? systemResolve;
  const now = options.now ?? Date.now;
  const answers = new Map<string, Answer>();
  const pending = new Map<string, Promise<dns.LookupAddress[]>>();

  const addresses = (hostname: string, family: number): Promise<dns.LookupAddress[]> => {
    const key = `${family}/${hostname}`;
    const answer = answers.get(key);
    if (answer !== undefined && answer.expires > now()) return Promise.resolve(answer.addresses);
    let running = pending.get(key);
    if (running === undefined) {
      running = resolve(hostname, family).then(
        (found) => {
          pending.delete(key);
          if (options.ttlMs > 0 && found.length > 0) answers.set(key, { addresses: found, expires: now() + options.ttlMs });
          return found;
        },
        (err: unknown) => {
          pending.delete(key);
          answers.delete(key);
          throw err;
        },
      );
      pending.set(key, running);
    }
    return running;
  };

  return (hostname, lookupOptions, callback) => {
    const family = typeof lookupOptions.family === 'number' ? lookupOptions.family : 0;
    addresses(hostname, family).then(
      (found) => {
        if (lookupOptions.all) callback(null, found);
        else if (found.length === 0) callback(notFound(hostname), '', 0);
        else callback(null, found[0].address, found[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

function notFound(hostname: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  err.code = 'ENOTFOUND';
  return err;
}
