import { createLedger, recordOutcome, type UserLedger } from '../../../loadtest/ledger';
import { AUTH_MODES } from '../../../loadtest/modes';
import { faultCell } from '../../../loadtest/scenarios/fault';
import { scaleOutCell } from '../../../loadtest/scenarios/scale-out';
import { rotatedOrder, throughputCell } from '../../../loadtest/scenarios/throughput';

const T0 = 0;

/** A user answered by `instance` every 250 ms from `from` to `to` seconds, with a logout at `logoutAt` s. */
function user(id: number, plan: { instance: string; from?: number; to?: number; logoutAt?: number; after?: string; silentFrom?: number; silentTo?: number }): UserLedger {
  const ledger = createLedger(id, String(id), T0);
  recordOutcome(ledger, 'logins', 10, plan.instance);
  for (let ms = (plan.from ?? 0) * 1000 + 250; ms < (plan.to ?? 12) * 1000; ms += 250) {
    if (plan.silentFrom !== undefined && ms >= plan.silentFrom * 1000 && ms < (plan.silentTo ?? 0) * 1000) continue;
    const instance = plan.logoutAt !== undefined && ms >= plan.logoutAt * 1000 ? plan.after ?? plan.instance : plan.instance;
    if (plan.logoutAt !== undefined && Math.abs(ms - plan.logoutAt * 1000) < 125) {
      recordOutcome(ledger, 'logouts', ms, plan.after);
      recordOutcome(ledger, 'logins', ms + 1, plan.after);
    } else {
      recordOutcome(ledger, 'ok', ms, instance);
    }
  }
  return ledger;
}

describe('per-cell figures of the scenarios', () => {
  it('when the throughput matrix runs in rounds, then each round visits every cell once, starting further along', () => {
    expect(rotatedOrder(6, 0, 2)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rotatedOrder(6, 1, 2)).toEqual([3, 4, 5, 0, 1, 2]);
    expect(new Set(rotatedOrder(15, 2, 3)).size).toBe(15);
  });

  it('when app2 is killed at 3 s, then its pinned users are the ones logged out, and the others are not', () => {
    const ledgers = [
      user(0, { instance: 'app2', logoutAt: 3.5, after: 'app1' }),
      user(1, { instance: 'app2', logoutAt: 3.75, after: 'app3' }),
      user(2, { instance: 'app1' }),
      user(3, { instance: 'app3' }),
    ];
    const cell = faultCell('memory', 'sticky-cookie', ledgers, { seconds: 12, faultMs: 3000, recoverMs: 8000, target: 'app2' });
    expect(cell.pinnedToTarget).toEqual({ users: 2, loggedOut: 2 });
    expect(cell.others).toEqual({ users: 2, loggedOut: 0 });
    expect(cell.usersLoggedOut).toBe(2);
    expect(cell.timeline).toHaveLength(12);
    expect(cell.timeline[3].logouts).toBe(2);
    expect(cell.errorsStopAfterSeconds).toBeNull();
    expect(cell.logoutsAfterRecovery).toBe(0);
  });

  it('when a user gets no answer for the whole fault (a hung replica), then it is counted as without answer', () => {
    const ledgers = [user(0, { instance: 'app2', silentFrom: 3, silentTo: 8 }), user(1, { instance: 'app1' })];
    const cell = faultCell('jwt', 'round-robin', ledgers, { seconds: 12, faultMs: 3000, recoverMs: 8000, target: 'app2' });
    expect(cell.usersWithoutAnswer).toBe(1);
    expect(cell.usersLoggedOut).toBe(0);
  });

  it('when the fault is Redis, then nobody is "pinned", and errors while it is down end where the errors end', () => {
    const ledger = createLedger(0, '0', T0);
    recordOutcome(ledger, 'ok', 500);
    for (let ms = 3100; ms < 6000; ms += 200) recordOutcome(ledger, 'errors', ms);
    for (let ms = 6100; ms < 9000; ms += 200) recordOutcome(ledger, 'ok', ms);
    const cell = faultCell('redis', 'round-robin', [ledger], { seconds: 10, faultMs: 3000, recoverMs: 5500 });
    expect(cell.pinnedToTarget).toBeNull();
    expect(cell.errorsStopAfterSeconds).toBe(3);
    expect(cell.okShareDuringFault).toBe(0);
  });

  it('when app4 joins, then users whose replica changed are "moved", and moved memory users with a logout are counted', () => {
    const ledgers = [
      user(0, { instance: 'app1', logoutAt: 5, after: 'app4' }),
      user(1, { instance: 'app2' }),
      user(2, { instance: 'app3' }),
    ];
    const cell = scaleOutCell('memory', 'hash-ip', ledgers, { seconds: 12, startMs: 4000 });
    expect(cell).toMatchObject({ users: 3, moved: 1, movedToApp4: 1, movedLoggedOut: 1, stayedLoggedOut: 0 });
    expect(cell.app4Share).toBeGreaterThan(0.1);
    expect(cell.app4Share).toBeLessThan(0.4);
  });

  it('when a throughput cell ran, then its rates divide by the measured duration and its ratio uses the baseline', () => {
    const ledgers = [user(0, { instance: 'app1' }), user(1, { instance: 'app2' })];
    const cell = throughputCell(AUTH_MODES[2], 'round-robin', ledgers, { seconds: 12, connections: 2, responses: 96, p50: 3, p99: 9 }, ['app1', 'app2', 'app3'], 16);
    expect(cell.okPerSec).toBeCloseTo(94 / 12);
    expect(cell.requestsPerSec).toBeCloseTo(96 / 12);
    expect(cell.ratioToBaseline).toBeCloseTo(0.5);
    expect(cell.imbalance).toBeCloseTo(1.5); // app3 served nothing
    expect(cell.logoutRate).toBe(0);
  });
});

describe('heap figure of the memory scenario', () => {
  it('when the replica reports heap spaces, then compiled code is left out of the data heap', () => {
    const { parseHeapUsed } = jest.requireActual('../../../loadtest/scenarios/memory') as typeof import('../../../loadtest/scenarios/memory');
    const metrics = [
      'nodejs_heap_size_used_bytes{instance="app1"} 14283248',
      'nodejs_heap_space_size_used_bytes{space="old",instance="app1"} 11852704',
      'nodejs_heap_space_size_used_bytes{space="code",instance="app1"} 693008',
      'nodejs_heap_space_size_used_bytes{space="code_large_object",instance="app1"} 1000',
    ].join('\n');
    expect(parseHeapUsed(metrics)).toBe(14283248 - 693008 - 1000);
    expect(parseHeapUsed('nodejs_heap_size_used_bytes 500')).toBe(500);
    expect(parseHeapUsed('nothing here')).toBeUndefined();
  });
});
