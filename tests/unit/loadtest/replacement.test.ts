import { createLedger, recordErrorKind, recordOutcome, type UserLedger } from '../../../loadtest/ledger';
import { panicChange, poolChanges } from '../../../loadtest/pool-watch';
import { longestSilence, movesPerSecond, replacementCell } from '../../../loadtest/scenarios/replacement';
import { errorKind } from '../../../loadtest/virtual-user';

/** A user answered every 250 ms by `replicaAt(ms)`, with the outcome `outcomeAt(ms)`, for `seconds`. */
function user(id: number, seconds: number, replicaAt: (ms: number) => string | undefined, outcomeAt: (ms: number) => 'ok' | 'logouts' | 'errors' = () => 'ok'): UserLedger {
  const ledger = createLedger(id, String(id), 0);
  for (let ms = 0; ms < seconds * 1000; ms += 250) {
    const replica = replicaAt(ms);
    if (replica === undefined) continue;
    const outcome = outcomeAt(ms);
    if (outcome === 'errors') recordErrorKind(ledger, '503 session_store_unavailable');
    recordOutcome(ledger, outcome, ms, replica);
  }
  return ledger;
}

describe('replacement scenarios: a cell\'s figures from its users', () => {
  const at = { seconds: 10, startMs: 3000, endMs: 7000, stoppedMs: 10_000 };

  it('when a sticky user\'s replica is replaced and its session was in memory, then it counts as moved and logged out', () => {
    const moved = user(1, 10, (ms) => (ms < 5000 ? 'old' : 'new'), (ms) => (ms >= 5000 && ms < 5250 ? 'logouts' : 'ok'));
    const stayed = user(2, 10, () => 'other');
    const cell = replacementCell('memory', 'sticky-cookie', [moved, stayed], at);
    expect(cell).toMatchObject({ users: 2, usersLoggedOut: 1, usersMoved: 1, movedLoggedOut: 1, errorsStopAfterSeconds: null });
    expect(cell.movesPerSecond?.[5]).toBe(1);
  });

  it('when users are behind round-robin, then nobody has a home replica: moved is not theirs', () => {
    const rr = user(1, 10, (ms) => (Math.floor(ms / 250) % 2 ? 'a' : 'b'));
    const cell = replacementCell('jwt', 'round-robin', [rr], at);
    expect(cell.usersMoved).toBeNull();
    expect(cell.movesPerSecond).toBeNull();
  });

  it('when a user gets no answer for 4 whole seconds after the operation began, then that is the cell\'s longest silence', () => {
    const silent = user(1, 10, (ms) => (ms >= 4000 && ms < 8000 ? undefined : 'a'));
    expect(longestSilence(silent, 3, 10)).toBe(4);
    expect(replacementCell('redis', 'hash-ip', [silent], at).longestSilenceSeconds).toBe(4);
  });

  it('when errors happen, then they are counted by kind, and when they stop is measured from the operation', () => {
    const failing = user(1, 10, () => 'a', (ms) => (ms >= 4000 && ms < 4500 ? 'errors' : 'ok'));
    const cell = replacementCell('redis', 'round-robin', [failing], at);
    expect(cell.errorKinds).toEqual({ '503 session_store_unavailable': 2 });
    expect(cell.errorsStopAfterSeconds).toBe(2);
    expect(cell.okShareBefore).toBe(1);
  });

  it('when users change replica, then each change is counted in the second it happened', () => {
    expect(movesPerSecond([user(1, 4, (ms) => (ms < 2000 ? 'a' : 'b')), user(2, 4, (ms) => (ms < 1000 ? 'a' : 'c'))], 4)).toEqual([0, 1, 1, 0]);
  });

  it('when an error answer carries the one JSON error shape, then its kind is status and code', () => {
    expect(errorKind(503, '{"error":"session_store_unavailable","message":"x"}')).toBe('503 session_store_unavailable');
    expect(errorKind(502, '<html>bad gateway</html>')).toBe('502');
  });
});

describe('the proxy\'s serving set, watched', () => {
  it('when one replica left and another joined, then both are events of that second', () => {
    expect(poolChanges(['a', 'b'], ['b', 'c'], 4.2)).toEqual([
      { second: 4.2, kind: 'pool', label: '−a' },
      { second: 4.2, kind: 'pool', label: '+c' },
    ]);
  });

  it('when the proxy enters panic routing and later leaves it, then each is one event of its second, and no change is none', () => {
    expect(panicChange(false, true, 3.5)).toEqual([{ second: 3.5, kind: 'pool', label: 'panic: no replica passes its checks, routing to every reachable one' }]);
    expect(panicChange(true, true, 4)).toEqual([]);
    expect(panicChange(true, false, 6.1)).toEqual([{ second: 6.1, kind: 'pool', label: 'panic over' }]);
  });
});
