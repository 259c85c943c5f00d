import { createLedger, recordOutcome, type UserLedger } from '../../../loadtest/ledger';
import { ProgressTally } from '../../../loadtest/progress';

/** `n` answers of `outcome` recorded on a fresh user's ledger. */
function userWith(n: number, outcome: 'ok' | 'logouts' = 'ok'): UserLedger {
  const ledger = createLedger(0, 'u', 0);
  for (let i = 0; i < n; i++) recordOutcome(ledger, outcome, 0);
  return ledger;
}

describe('the progress line\'s req/s', () => {
  it('when the scenario switches from its busy users to quieter ones (distance: closed loop, then fixed rate), then req/s is what was answered in the window, never negative', () => {
    const closed = [userWith(0), userWith(0)];
    const paced = [userWith(0)];
    const tally = new ProgressTally(0);
    for (const user of closed) for (let i = 0; i < 500; i++) recordOutcome(user, 'ok', 0);
    expect(tally.tick(closed, 1000).requestsPerSec).toBe(1000);
    // The next second: the closed-loop cell ended after 100 more answers, the fixed-rate cell answered 20.
    for (let i = 0; i < 100; i++) recordOutcome(closed[0], 'ok', 0);
    for (let i = 0; i < 20; i++) recordOutcome(paced[0], 'ok', 0);
    expect(tally.tick(paced, 2000).requestsPerSec).toBe(120);
    for (let i = 0; i < 10; i++) recordOutcome(paced[0], 'ok', 0);
    expect(tally.tick(paced, 2500).requestsPerSec).toBe(20);
  });

  it('when a cell starts new users (balancers), then logouts so far keep those of the users before', () => {
    const tally = new ProgressTally(0);
    expect(tally.tick([userWith(3, 'logouts')], 1000).logouts).toBe(3);
    expect(tally.tick([userWith(2, 'logouts')], 2000)).toEqual({ requestsPerSec: 2, logouts: 5 });
  });

  it('when two ticks come at one instant, then no rate is made up of a window of no length: the last stays, and its answers count in the next window', () => {
    const user = userWith(0);
    const tally = new ProgressTally(0);
    for (let i = 0; i < 40; i++) recordOutcome(user, 'ok', 0);
    expect(tally.tick([user], 1000).requestsPerSec).toBe(40);
    for (let i = 0; i < 30; i++) recordOutcome(user, 'ok', 0);
    expect(tally.tick([user], 1000).requestsPerSec).toBe(40);
    expect(tally.tick([user], 2000).requestsPerSec).toBe(30);
  });
});
