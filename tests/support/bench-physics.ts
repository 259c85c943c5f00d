import type { BenchResults, FaultCellResult } from '../../loadtest/results';

/**
 * The physics every bench run must show, whatever the target (the bench's own cluster in
 * tests/cluster, a real `docker compose up` stack in tests/compose): the same assertions on both.
 */
function cell(cells: FaultCellResult[] | undefined, mode: string, strategy: string): FaultCellResult {
  const found = cells?.find((c) => c.mode === mode && c.strategy === strategy);
  if (!found) throw new Error(`no ${mode}/${strategy} cell`);
  return found;
}

export function describeBenchPhysics(results: () => BenchResults): void {
  it('when JWT users go through round-robin, then none is ever logged out, even when a replica is killed', () => {
    const jwt = results().scenarios.throughput!.cells.find((c) => c.mode === 'jwt' && c.strategy === 'round-robin')!;
    expect(jwt.counts.ok).toBeGreaterThan(100);
    expect(jwt.counts.logouts).toBe(0);
    expect(cell(results().scenarios.killReplica?.cells, 'jwt', 'round-robin').counts.logouts).toBe(0);
    expect(results().verdicts[0].verdict).toBe('holds');
  });

  it('when memory sessions go through round-robin, then most authenticated requests are logged out', () => {
    const memory = results().scenarios.throughput!.cells.find((c) => c.mode === 'memory' && c.strategy === 'round-robin')!;
    expect(memory.logoutRate).toBeGreaterThan(0.5);
    expect(results().verdicts[1].verdict).toBe('holds');
  });

  it('when a replica is killed under sticky routing, then its memory-session users are logged out and the others are not', () => {
    const sticky = cell(results().scenarios.killReplica?.cells, 'memory', 'sticky-cookie');
    expect(sticky.pinnedToTarget!.users).toBeGreaterThan(0);
    expect(sticky.pinnedToTarget!.loggedOut).toBe(sticky.pinnedToTarget!.users);
    expect(sticky.others!.loggedOut).toBe(0);
    expect(results().verdicts[2].verdict).toBe('holds');
  });

  it('when a replica is killed, then Redis-session users are not logged out', () => {
    const redis = results().scenarios.killReplica!.cells.filter((c) => c.mode === 'redis');
    expect(redis).toHaveLength(3);
    expect(redis.reduce((n, c) => n + c.counts.logouts, 0)).toBe(0);
    expect(['holds', 'holds with caveat']).toContain(results().verdicts[4].verdict);
  });

  it('when Redis is killed, then Redis-session users are unserved while memory and JWT users are unaffected', () => {
    const outage = results().scenarios.killRedis![0];
    for (const strategy of ['round-robin', 'sticky-cookie', 'hash-ip']) {
      expect(cell(outage.cells, 'redis', strategy).okShareDuringFault ?? 0).toBeLessThanOrEqual(0.1);
      expect(cell(outage.cells, 'jwt', strategy).okShareDuringFault).toBeGreaterThanOrEqual(0.95);
      expect(cell(outage.cells, 'jwt', strategy).counts.errors).toBe(0);
    }
    expect(cell(outage.cells, 'memory', 'sticky-cookie').okShareDuringFault).toBeGreaterThanOrEqual(0.95);
    // persistence on: sessions survive the restart, so no redis user is logged out afterwards
    expect(outage.cells.filter((c) => c.mode === 'redis').reduce((n, c) => n + c.logoutsAfterRecovery, 0)).toBe(0);
  });

  it('when a logged-out JWT is presented again, then it still works, while logged-out sessions are refused', () => {
    const rev = results().scenarios.revocation!.modes;
    const jwt = rev.find((m) => m.mode === 'jwt')!;
    expect(jwt.okAfterLogout).toBe(jwt.probes);
    for (const m of rev.filter((x) => x.mode !== 'jwt')) expect(m.okAfterLogout).toBe(0);
    expect(results().verdicts[7].verdict).toBe('holds');
  });

  it('when app4 joins, then sticky-cookie users stay where they were', () => {
    const sticky = results().scenarios.scaleOut!.cells.filter((c) => c.strategy === 'sticky-cookie');
    expect(sticky.reduce((n, c) => n + c.moved, 0)).toBe(0);
  });
}
