import { renderReports } from '../../../loadtest/report';
import { judgeClaims } from '../../../loadtest/verdicts';
import type { BenchResults, VerdictValue } from '../../../loadtest/results';
import { counts, failoverResult, syntheticResults } from './synthetic-results';

function verdictOf(results: BenchResults, claim: number): VerdictValue {
  return judgeClaims(results).find((v) => v.claim === claim)!.verdict;
}

function cell(r: BenchResults, mode: string, strategy: string) {
  return r.scenarios.throughput!.cells.find((c) => c.mode === mode && c.strategy === strategy)!;
}

describe('claim verdicts', () => {
  it('when the synthetic run has textbook physics, then every claim holds', () => {
    const verdicts = judgeClaims(syntheticResults());
    expect(verdicts.map((v) => [v.claim, v.verdict])).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((c) => [c, 'holds']));
    for (const v of verdicts) expect(v.evidence.length).toBeGreaterThan(0);
  });

  it('when no scenario ran, then every claim is "not measured", never guessed', () => {
    const r = syntheticResults();
    r.scenarios = {};
    expect(judgeClaims(r).map((v) => v.verdict)).toEqual(Array(8).fill('not measured'));
  });

  it('when JWT behind round-robin gets logouts, then claim 1 does not hold', () => {
    const r = syntheticResults();
    Object.assign(cell(r, 'jwt', 'round-robin'), { counts: counts({ ok: 900, logouts: 100 }), logoutRate: 0.1 });
    expect(verdictOf(r, 1)).toBe('does not hold');
  });

  it('when a replica never served JWT requests, then claim 1 does not hold (not any replica)', () => {
    const r = syntheticResults();
    cell(r, 'jwt', 'round-robin').shares = { app1: 20000, app2: 10000 };
    expect(verdictOf(r, 1)).toBe('does not hold');
  });

  it('when memory + round-robin misses far less than (N-1)/N, then claim 2 flips to caveat, then to does not hold', () => {
    const r = syntheticResults();
    cell(r, 'memory', 'round-robin').logoutRate = 0.3;
    expect(verdictOf(r, 2)).toBe('holds with caveat');
    cell(r, 'memory', 'round-robin').logoutRate = 0.01;
    expect(verdictOf(r, 2)).toBe('does not hold');
  });

  it('when users pinned to the killed replica kept their sessions, then claim 3 does not hold', () => {
    const r = syntheticResults();
    const killed = r.scenarios.killReplica!.cells.find((c) => c.mode === 'memory' && c.strategy === 'sticky-cookie')!;
    killed.pinnedToTarget = { users: 3, loggedOut: 0 };
    expect(verdictOf(r, 3)).toBe('does not hold');
  });

  it('when other users were logged out by the kill too, then claim 3 does not hold', () => {
    const r = syntheticResults();
    const killed = r.scenarios.killReplica!.cells.find((c) => c.mode === 'memory' && c.strategy === 'sticky-cookie')!;
    killed.others = { users: 6, loggedOut: 4 };
    expect(verdictOf(r, 3)).toBe('does not hold');
  });

  it('when kill-replica did not run, then claim 3 holds only with a caveat', () => {
    const r = syntheticResults();
    delete r.scenarios.killReplica;
    expect(verdictOf(r, 3)).toBe('holds with caveat');
  });

  it('when sticky cells are as even as round-robin, then claim 4 does not hold; slightly uneven gives a caveat', () => {
    const r = syntheticResults();
    delete r.scenarios.scaleOut;
    for (const c of r.scenarios.throughput!.cells) Object.assign(c, { imbalance: 1.01, userImbalance: 1.01 });
    expect(verdictOf(r, 4)).toBe('does not hold');
    cell(r, 'jwt', 'hash-ip').imbalance = 1.08;
    expect(verdictOf(r, 4)).toBe('holds with caveat');
  });

  it('when requests look even but one replica holds far more of the pinned users, then claim 4 holds (closed-loop load hides hotspots)', () => {
    const r = syntheticResults();
    delete r.scenarios.scaleOut;
    for (const c of r.scenarios.throughput!.cells) Object.assign(c, { imbalance: 1.01, userImbalance: 1.01 });
    Object.assign(cell(r, 'redis', 'sticky-cookie'), { userImbalance: 1.32, usersPerReplica: { app1: 22, app2: 14, app3: 14 } });
    expect(verdictOf(r, 4)).toBe('holds');
    // round-robin users visit every replica: their "user imbalance" is not a hotspot
    Object.assign(cell(r, 'redis', 'sticky-cookie'), { userImbalance: 1.01 });
    Object.assign(cell(r, 'redis', 'round-robin'), { userImbalance: 1.5 });
    expect(verdictOf(r, 4)).toBe('does not hold');
  });

  it('when redis users are logged out by a replica kill, then claim 5 does not hold; errors alone give a caveat', () => {
    const r = syntheticResults();
    const redis = r.scenarios.killReplica!.cells.find((c) => c.mode === 'redis')!;
    redis.counts = counts({ ok: 800, errors: 100 });
    expect(verdictOf(r, 5)).toBe('holds with caveat');
    redis.counts = counts({ ok: 800, logouts: 5 });
    expect(verdictOf(r, 5)).toBe('does not hold');
  });

  it('when redis users are served while Redis is down, then claim 6 does not hold', () => {
    const r = syntheticResults();
    for (const c of r.scenarios.killRedis![0].cells) if (c.mode === 'redis') c.okShareDuringFault = 0.9;
    expect(verdictOf(r, 6)).toBe('does not hold');
  });

  it('when redis makes no Redis round trip per request, then claim 6 holds only with a caveat (no measurable cost)', () => {
    const r = syntheticResults();
    cell(r, 'redis', 'sticky-cookie').redisCommandsPerRequest = 0;
    expect(verdictOf(r, 6)).toBe('holds with caveat');
  });

  it('when memory and jwt users suffer from the Redis outage too, then claim 6 loses its single-point-of-failure half', () => {
    const r = syntheticResults();
    for (const c of r.scenarios.killRedis![0].cells) if (c.mode === 'jwt') c.okShareDuringFault = 0.5;
    expect(verdictOf(r, 6)).toBe('holds with caveat');
  });

  it('when JWT is slower than sessions, then claim 7 holds only with a caveat; when it also keeps memory per user, it does not hold', () => {
    const r = syntheticResults();
    cell(r, 'jwt', 'sticky-cookie').okPerSec = 5000;
    expect(verdictOf(r, 7)).toBe('holds with caveat');
    r.scenarios.memory!.modes.find((m) => m.mode === 'jwt')!.bytesPerUser = 1400;
    expect(verdictOf(r, 7)).toBe('does not hold');
  });

  it('when a logged-out JWT is refused, then claim 8 does not hold', () => {
    const r = syntheticResults();
    Object.assign(r.scenarios.revocation!.modes.find((m) => m.mode === 'jwt')!, { okAfterLogout: 0, firstRefusedAfterMs: 3 });
    expect(verdictOf(r, 8)).toBe('does not hold');
  });

  it('when /jwt-revocable was not measured, then claim 8 holds only with a caveat (the price is not shown)', () => {
    const r = syntheticResults();
    r.scenarios.revocation!.modes = r.scenarios.revocation!.modes.filter((m) => m.mode !== 'jwt-revocable');
    expect(verdictOf(r, 8)).toBe('holds with caveat');
  });

  it('when /jwt-revocable revokes at once at no measurable cost, then claim 8 does not hold', () => {
    const r = syntheticResults();
    r.scenarios.revocation!.modes.find((m) => m.mode === 'jwt-revocable')!.redisCommandsPerRequest = 0;
    for (const c of r.scenarios.throughput!.cells) if (c.mode === 'jwt-revocable') c.okPerSec = cell(r, 'jwt', c.strategy).okPerSec;
    for (const c of r.scenarios.killRedis![0].cells) if (c.mode === 'jwt-revocable') c.okShareDuringFault = 1;
    expect(verdictOf(r, 8)).toBe('does not hold');
  });

  it('when claim 8 is judged, then its evidence gives the Redis commands per request, the throughput ratio to /jwt and the outage share', () => {
    const v = judgeClaims(syntheticResults()).find((x) => x.claim === 8)!;
    const text = v.evidence.join(' ');
    expect(text).toContain('jwt-revocable: before logout 200; logout answered 204; then 0 of 10 probes');
    expect(text).toContain('1.00 Redis commands per probe');
    expect(text).toMatch(/median ratio 0\.75/);
    expect(text).toMatch(/\/jwt-revocable users' ok share was at most 0\.0%/);
  });

  it('when jwt-revocable users lose service with Redis down, then claim 6 still judges memory and jwt as the unaffected control', () => {
    const r = syntheticResults();
    expect(verdictOf(r, 6)).toBe('holds');
  });

  it('when memory behind round-robin (its sessions missed by design) moves with Redis down, then it is no control for claim 6; a served cell that moves is', () => {
    const r = syntheticResults();
    const outage = r.scenarios.killRedis![0];
    Object.assign(outage.cells.find((c) => c.mode === 'memory' && c.strategy === 'round-robin')!, { okShareBeforeFault: 0.486, okShareDuringFault: 0.361 });
    const v = judgeClaims(r).find((x) => x.claim === 6)!;
    expect(v.verdict).toBe('holds');
    expect(v.evidence.join(' ')).toContain('not counted, not served before it: memory + round-robin 48.6%');
    outage.cells.find((c) => c.mode === 'memory' && c.strategy === 'sticky-cookie')!.okShareDuringFault = 0.85;
    expect(verdictOf(r, 6)).toBe('holds with caveat');
  });

  it('when no cell outside Redis was served before the fault, then claim 6\'s "others unaffected" half is not shown', () => {
    const r = syntheticResults();
    for (const c of r.scenarios.killRedis![0].cells) if (c.mode === 'memory' || c.mode === 'jwt') c.okShareBeforeFault = 0.5;
    expect(verdictOf(r, 6)).toBe('holds with caveat');
  });

  it('when a session kept working after logout, then claim 8 holds only with a caveat', () => {
    const r = syntheticResults();
    r.scenarios.revocation!.modes.find((m) => m.mode === 'redis')!.okAfterLogout = 3;
    expect(verdictOf(r, 8)).toBe('holds with caveat');
  });
});

describe('claim 7 and the heap figure', () => {
  it('when the heap was read without a forced GC, then the heap half is not judged (garbage is not evidence)', () => {
    const r = syntheticResults();
    r.scenarios.memory!.gc = 'not forced';
    r.scenarios.memory!.modes.forEach((m) => { m.bytesPerUser = -12000; });
    const v = judgeClaims(r).find((x) => x.claim === 7)!;
    expect(v.verdict).toBe('holds with caveat'); // the throughput half alone
    expect(v.evidence.join(' ')).toContain('not judged');
    delete r.scenarios.throughput;
    expect(verdictOf(r, 7)).toBe('not measured');
  });
});

describe('claim 6 and the round trip', () => {
  it('when Redis commands were counted, then the cost half follows the count, not a noisy throughput ratio', () => {
    const r = syntheticResults();
    const redis = r.scenarios.throughput!.cells.find((c) => c.mode === 'redis' && c.strategy === 'sticky-cookie')!;
    const memory = r.scenarios.throughput!.cells.find((c) => c.mode === 'memory' && c.strategy === 'sticky-cookie')!;
    redis.okPerSec = memory.okPerSec * 1.05; // faster in this run, yet one round trip per request
    expect(verdictOf(r, 6)).toBe('holds');
    redis.redisCommandsPerRequest = 0.01;
    expect(verdictOf(r, 6)).toBe('holds with caveat');
    redis.redisCommandsPerRequest = null; // not countable: fall back to the throughput ratio
    expect(verdictOf(r, 6)).toBe('holds with caveat');
    redis.okPerSec = memory.okPerSec * 0.8;
    expect(verdictOf(r, 6)).toBe('holds');
  });
});

describe('claim 6 and the failover-redis scenario', () => {
  it('when the failover ran, then claim 6 keeps its rule and verdict and its evidence says what HA changed', () => {
    const r = syntheticResults();
    const before = judgeClaims(r).find((v) => v.claim === 6)!;
    r.scenarios.failoverRedis = failoverResult();
    const after = judgeClaims(r).find((v) => v.claim === 6)!;
    expect(after.verdict).toBe(before.verdict);
    expect(after.rule).toBe(before.rule);
    const line = after.evidence[after.evidence.length - 1];
    expect(line).toMatch(/^failover-redis \(what HA changes; the rule above is unchanged\): ha: replica promoted after 3\.4 s, replicas followed after 4\.9 s; redis users 5 s without service, 662 errors, 0 logouts; 0 of 4 sessions/);
    expect(line).toContain('single, AOF off: restarted after 0.3 s');
    expect(line).toContain('4 of 4 sessions from the last 2 s lost');
  });
});

describe('claim 6: what HA changes, said from the variants that ran', () => {
  const evidenceOf = (r: ReturnType<typeof syntheticResults>): string => judgeClaims(r).find((v) => v.claim === 6)!.evidence.at(-1)!;

  it('when only the HA variants ran (a compose stack with Sentinels), then it says service came back without the dead node, and compares with no restart it did not measure', () => {
    const r = syntheticResults();
    const f = failoverResult();
    r.scenarios.failoverRedis = { ...f, target: 'docker compose', variants: f.variants.filter((v) => v.redis === 'ha') };
    const line = evidenceOf(r);
    expect(line).toMatch(/^failover-redis on the docker compose stack \(what HA changes/);
    expect(line).toContain('With Sentinels, /redis came back without the killed node being restarted (5 s without service: the replica promoted after 3.4 s, the app replicas following after 4.9 s)');
    expect(line).not.toContain('shorter outage');
  });

  it('when only one Redis was killed and restarted (a stack without Sentinels), then it says service came back only by the restart, which override adds the failover, and the sessions counted lost without AOF', () => {
    const r = syntheticResults();
    const f = failoverResult();
    r.scenarios.failoverRedis = { ...f, target: 'docker compose', variants: f.variants.filter((v) => v.redis === 'single').map((v) => ({ ...v, appendonly: false })) };
    const line = evidenceOf(r);
    expect(line).toContain('Without Sentinels (one Redis) /redis came back only because Redis was restarted at once (5 s without service)');
    expect(line).toContain('docker-compose.ha.yml');
    expect(line).toContain('one Redis without its append-only file lost 4 of 4 sessions to the restart');
  });

  it('when both ran, then it compares the failover with the immediate restart of the same run, by their figures', () => {
    const r = syntheticResults();
    const f = failoverResult();
    r.scenarios.failoverRedis = f;
    const single = f.variants.find((v) => v.redis === 'single')!;
    single.modes[0] = { ...single.modes[0], secondsWithoutService: 2 };
    expect(evidenceOf(r)).toContain('one Redis restarted at once had 2 s without service against 5 s: HA was not a shorter outage than an immediate restart here, it is service without the dead node');
    // A slow restart is said as measured, not as the usual story.
    single.modes[0] = { ...single.modes[0], secondsWithoutService: 9 };
    const slower = evidenceOf(r);
    expect(slower).toContain('one Redis restarted at once had 9 s without service against 5 s: the failover was also the shorter outage here');
    expect(slower).not.toContain('not a shorter outage');
  });

  it('when no cohort login was answered in the window (costly logins on a busy machine), then the loss is said not measured, never "0 of 0 lost"', () => {
    const r = syntheticResults();
    const f = failoverResult();
    f.variants = [{ ...f.variants[0], variant: 'ha, replica cut off', replicaCutOff: true, cohort: { ...f.variants[0].cohort, users: 0, survived: 0, lost: 0 } }];
    r.scenarios.failoverRedis = f;
    const line = evidenceOf(r);
    expect(line).toContain('ha, replica cut off: replica promoted after 3.4 s, replicas followed after 4.9 s; redis users 5 s without service, 662 errors, 0 logouts; sessions lost not measured (no login was answered in the last 2 s before the kill)');
    expect(line).not.toContain('0 of 0');
    expect(line).not.toContain('asynchronous replication lost');
    expect(renderReports(r).markdown).toContain('0 of 0 (not measured: no login answered in the window)');
  });

  it('when the replica was not promoted within the window, then it does not say service came back without the dead node', () => {
    const r = syntheticResults();
    const f = failoverResult();
    f.variants[0] = { ...f.variants[0], promotedAfterMs: null, clientsFollowAfterMs: null };
    r.scenarios.failoverRedis = f;
    const line = evidenceOf(r);
    expect(line).toContain('With Sentinels, /redis did not come back without the killed node within the fault window (replica promoted after not within the window');
    expect(line).not.toContain('came back without the killed node being restarted');
    expect(line).not.toContain('shorter outage');
  });
});

describe('claims from missing data', () => {
  it('when every authenticated throughput cell measured 0 requests, then claims 1, 2, 3, 4, 6 and 7 are "not measured" with the reason, never "does not hold"', () => {
    const r = syntheticResults();
    for (const c of r.scenarios.throughput!.cells.filter((x) => x.mode !== 'none')) {
      Object.assign(c, { counts: counts({ errors: 40 }), logoutRate: 0, okPerSec: 0, shares: {}, imbalance: null, userImbalance: null });
    }
    const verdicts = judgeClaims(r);
    for (const claim of [1, 2, 3, 4, 6, 7]) {
      const v = verdicts[claim - 1];
      expect(v.verdict).toBe('not measured');
      expect(v.evidence[0]).toMatch(/^Not enough data: throughput, .* only 0 authenticated requests/);
    }
    for (const v of verdicts) expect(v.verdict).not.toBe('does not hold');
  });

  it('when a cell has 499 authenticated requests, then its claim is not measured; at 500 it is judged', () => {
    const r = syntheticResults();
    Object.assign(cell(r, 'memory', 'round-robin'), { counts: counts({ ok: 166, logouts: 333, logins: 50 }) });
    expect(verdictOf(r, 2)).toBe('not measured');
    Object.assign(cell(r, 'memory', 'round-robin'), { counts: counts({ ok: 167, logouts: 333, logins: 50 }) });
    expect(verdictOf(r, 2)).toBe('holds');
  });

  it('when more than 20 % of a cell\'s requests are errors, then its claim is not measured', () => {
    const r = syntheticResults();
    Object.assign(cell(r, 'jwt', 'round-robin'), { counts: counts({ ok: 3000, errors: 1000, logins: 50 }) });
    expect(verdictOf(r, 1)).toBe('not measured');
    expect(judgeClaims(r)[0].evidence[0]).toContain('1000 errors');
  });

  it('when the redis users of kill-replica were never served before the fault, then claim 5 is not measured', () => {
    const r = syntheticResults();
    for (const c of r.scenarios.killReplica!.cells.filter((x) => x.mode === 'redis')) {
      c.timeline = c.timeline.map((p) => (p.second < 3 ? { ...p, ok: 0, errors: 36 } : p));
    }
    expect(verdictOf(r, 5)).toBe('not measured');
    expect(judgeClaims(r)[4].evidence[0]).toMatch(/before the fault its users got 72 errors in 72 requests/);
  });
});

describe('claim 7 heap half and its noise', () => {
  it('when the heap noise per user is at least half of memory mode\'s growth per user, then the heap half is not judged', () => {
    const r = syntheticResults();
    const memory = r.scenarios.memory!.modes.find((m) => m.mode === 'memory')!;
    memory.noiseBytesPerUser = memory.bytesPerUser;
    const v = judgeClaims(r)[6];
    expect(v.verdict).toBe('holds with caveat');
    expect(v.evidence.join(' ')).toMatch(/the heap half is not judged/);
    memory.noiseBytesPerUser = memory.bytesPerUser / 10;
    expect(judgeClaims(r)[6].verdict).toBe('holds');
  });
});

describe('claim 7 throughput half: the same comparison behind each affinity frontend', () => {
  const jwtAhead = (r: BenchResults, strategy: string, factor: number) => {
    const best = Math.max(cell(r, 'memory', strategy).okPerSec, cell(r, 'redis', strategy).okPerSec);
    cell(r, 'jwt', strategy).okPerSec = best * factor;
  };

  it('when JWT is ahead behind sticky-cookie and hash-ip, then the throughput half holds', () => {
    const r = syntheticResults();
    jwtAhead(r, 'sticky-cookie', 1.12);
    jwtAhead(r, 'hash-ip', 1.05);
    expect(verdictOf(r, 7)).toBe('holds');
  });

  it('when JWT is ahead behind one affinity frontend only, then the lead is noise: the throughput half does not hold, and the evidence says why', () => {
    const r = syntheticResults();
    jwtAhead(r, 'sticky-cookie', 1.12); // a lead one 3-s cell can show by chance
    jwtAhead(r, 'hash-ip', 0.98);
    const v = judgeClaims(r).find((x) => x.claim === 7)!;
    expect(v.verdict).toBe('holds with caveat'); // the heap half alone
    expect(v.evidence.join(' ')).toMatch(/behind sticky-cookie only: .*within the run's noise/);
    expect(v.evidence.join(' ')).toMatch(/throughput behind hash-ip \(ok req\/s\).*0\.980× the faster session mode \(below the 1\.03× bar\)/);
    r.scenarios.memory!.modes.find((m) => m.mode === 'jwt')!.bytesPerUser = 1400;
    expect(verdictOf(r, 7)).toBe('does not hold');
  });

  it('when only one affinity frontend was measured, then it decides alone and the evidence says it was not repeated', () => {
    const r = syntheticResults();
    r.scenarios.throughput!.cells = r.scenarios.throughput!.cells.filter((c) => c.strategy !== 'hash-ip');
    jwtAhead(r, 'sticky-cookie', 1.12);
    const v = judgeClaims(r).find((x) => x.claim === 7)!;
    expect(v.verdict).toBe('holds');
    expect(v.evidence.join(' ')).toMatch(/not repeated behind a second affinity frontend/);
    jwtAhead(r, 'sticky-cookie', 1.0);
    expect(verdictOf(r, 7)).toBe('holds with caveat');
  });
});
