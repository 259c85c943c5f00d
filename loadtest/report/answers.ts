import type { BenchResults, ScaleOutResult, ThroughputCellResult } from '../results';
import { fixed, int, pct } from './blocks';

/**
 * Short answers to the questions of docs/design.md ("The eight claims"), each written
 * around the figures of this run; a figure that was not measured reads "not measured".
 */
export interface Answer {
  question: string;
  answer: string;
}

const NOT_MEASURED = 'not measured in this run';

export function answers(r: BenchResults): Answer[] {
  const t = r.scenarios.throughput;
  const cell = (mode: string, strategy: string): ThroughputCellResult | undefined => t?.cells.find((c) => c.mode === mode && c.strategy === strategy);
  const mem = r.scenarios.memory;
  const perUser = (mode: string): string => {
    const m = mem?.modes.find((x) => x.mode === mode);
    if (!m) return NOT_MEASURED;
    return mem?.gc === 'forced' ? `${int(m.bytesPerUser)} B` : `${int(m.bytesPerUser)} B (unreliable: GC not forced)`;
  };
  const redisPerUser = mem?.modes.find((x) => x.mode === 'redis')?.redisBytesPerUser;
  const n = r.settings.replicas.length;
  const jwtRr = cell('jwt', 'round-robin');
  const memRr = cell('memory', 'round-robin');
  const memSticky = cell('memory', 'sticky-cookie');
  const redisSticky = cell('redis', 'sticky-cookie');
  const base = cell('none', 'round-robin');
  const kill = r.scenarios.killReplica;
  const killedSticky = kill?.cells.find((c) => c.mode === 'memory' && c.strategy === 'sticky-cookie');
  const killedRedis = kill?.cells.filter((c) => c.mode === 'redis') ?? [];
  const outage = r.scenarios.killRedis?.[0];
  const outageRedis = outage?.cells.filter((c) => c.mode === 'redis') ?? [];
  const scale = r.scenarios.scaleOut;
  const hashMem = scale?.cells.find((c) => c.mode === 'memory' && c.strategy === 'hash-ip');
  const stickyScale = scale?.cells.filter((c) => c.strategy === 'sticky-cookie') ?? [];
  const maxImbalance = (strategy: string): string => {
    const values = t?.cells.filter((c) => c.strategy === strategy && c.mode !== 'none')
      .map((c) => (strategy === 'round-robin' ? c.imbalance ?? 0 : Math.max(c.imbalance ?? 0, c.userImbalance ?? 0))) ?? [];
    return values.length ? fixed(Math.max(...values), 2) : NOT_MEASURED;
  };

  return [
    {
      question: 'What separates stateless from stateful authentication, in what the server keeps?',
      answer: !mem ? NOT_MEASURED : `A session mode keeps a record per logged-in user on the server: here ${perUser('memory')} of replica heap per user for in-memory sessions, and ${redisPerUser === null || redisPerUser === undefined ? NOT_MEASURED : `${int(redisPerUser)} B`} in Redis per user for Redis sessions (${perUser('redis')} on the replica). A JWT carries the user's identity in the token, signed; the server keeps only the signing key: ${perUser('jwt')} per user.`,
    },
    {
      question: 'Does statelessness give scalability, or does it remove an obstacle to it?',
      answer: jwtRr && base
        ? `It removes an obstacle. JWT behind round-robin had ${int(jwtRr.counts.logouts)} logouts (${pct(jwtRr.logoutRate)}) across ${n} replicas, so any replica can take any request; but it did not make requests cheaper: ${int(jwtRr.requestsPerSec)} req/s against ${int(base.requestsPerSec)} for a no-auth /health through the same proxy (× ${fixed(jwtRr.ratioToBaseline, 2)}), on ${r.settings.cpus} cores that all replicas share. Capacity still comes from adding CPUs; statelessness only lets the balancer use them freely.`
        : NOT_MEASURED,
    },
    {
      question: 'What goes wrong with server-side sessions behind a load balancer, and how often?',
      answer: memRr
        ? `A session lives on the replica that created it; any request the balancer sends elsewhere finds no session, so the user is logged out. Behind round-robin with ${n} replicas, ${pct(memRr.logoutRate)} of authenticated requests were logged out (theory: (N-1)/N = ${pct((n - 1) / n)}), and ${int(memRr.counts.logins)} re-logins were paid for ${int(memRr.counts.ok)} answered requests.`
        : NOT_MEASURED,
    },
    {
      question: 'What are the two usual remedies, how does each work, and what does each cost?',
      // Each sentence only with a figure of its own; neither: not measured (a storm-only run).
      answer: [
        (t || killedSticky) && `Affinity (sticky-cookie: the proxy pins a user to a replica with its lb cookie; hash-ip: the client address picks the replica): memory sessions behind sticky-cookie had ${memSticky ? pct(memSticky.logoutRate) : NOT_MEASURED} logouts, but the load per replica is what the pinned users bring (max/mean of requests or users per replica ${maxImbalance('sticky-cookie')} sticky-cookie, ${maxImbalance('hash-ip')} hash-ip, ${maxImbalance('round-robin')} round-robin), and when ${kill?.target ?? 'a replica'} was killed ${killedSticky?.pinnedToTarget ? `${killedSticky.pinnedToTarget.loggedOut} of ${killedSticky.pinnedToTarget.users} users pinned to it were logged out` : NOT_MEASURED}.`,
        (redisSticky || killedRedis.length || outageRedis.length) && `A shared store (Redis: every replica reads the session from it): ${redisSticky && memSticky ? `${int(redisSticky.okPerSec)} ok req/s against ${int(memSticky.okPerSec)} for in-memory sessions (× ${fixed(redisSticky.okPerSec / Math.max(1, memSticky.okPerSec), 2)}), p50 ${fixed(redisSticky.latencyP50Ms, 1)} ms vs ${fixed(memSticky.latencyP50Ms, 1)} ms` : NOT_MEASURED}; a killed replica logged out ${killedRedis.length ? killedRedis.reduce((a, c) => a + c.usersLoggedOut, 0) : NOT_MEASURED} redis users, but with Redis down redis users' ok share fell to ${outageRedis.length ? pct(Math.max(...outageRedis.map((c) => c.okShareDuringFault ?? 0))) : NOT_MEASURED}.`,
      ].filter(Boolean).join(' ') || NOT_MEASURED,
    },
    {
      question: 'Why do those remedies make scaling harder, concretely?',
      answer: scale
        ? `Adding ${scale.newReplicas?.join(', ') || 'app4'} under load: sticky-cookie users moved ${stickyScale.reduce((a, c) => a + c.moved, 0)} of ${stickyScale.reduce((a, c) => a + c.users, 0)} (the new replica took ${pct(stickyScale.length ? stickyScale.reduce((a, c) => a + c.app4Share, 0) / stickyScale.length : null)} of their requests: existing users never rebalance); hash-ip moved ${hashMoved(scale)} users (modulo hashing would have moved ${pct(scale.moduloMovedFraction)}, consistent hashing ideally ${pct(scale.consistentMovedFraction)}), and ${hashMem ? `${hashMem.movedLoggedOut} of ${hashMem.moved}` : NOT_MEASURED} in-memory-session users who moved were logged out. The shared store avoids that but adds a dependency every replica needs: Redis down stops all its users at once.`
        : `scale-out ${NOT_MEASURED}.`,
    },
  ];
}

/** "9 of 36 (25.0%)": hash-ip users of every mode that moved. */
export function hashMoved(s: ScaleOutResult): string {
  const cells = s.cells.filter((c) => c.strategy === 'hash-ip');
  const users = cells.reduce((n, c) => n + c.users, 0);
  const moved = cells.reduce((n, c) => n + c.moved, 0);
  return `${moved} of ${users} (${pct(users ? moved / users : null)})`;
}
