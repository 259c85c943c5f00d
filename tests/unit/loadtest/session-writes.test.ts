import { meanWriteMs, parseSessionWrites } from '../../../loadtest/session-writes';

const METRICS = [
  '# HELP authscale_session_write_seconds Session store writes',
  '# TYPE authscale_session_write_seconds histogram',
  'authscale_session_write_seconds_bucket{le="0.0002",mode="redis",instance="app1"} 3',
  'authscale_session_write_seconds_sum{mode="redis",instance="app1"} 0.0125',
  'authscale_session_write_seconds_count{mode="redis",instance="app1"} 25',
].join('\n');

describe('session writes timed by the replicas', () => {
  it('when a replica reports its /redis session writes, then their count and total seconds are read', () => {
    expect(parseSessionWrites(METRICS)).toEqual({ count: 25, seconds: 0.0125 });
  });

  it('when a replica does not time them (an older image), then nothing is read instead of zero', () => {
    expect(parseSessionWrites('authscale_logins_total{mode="redis",outcome="ok"} 3')).toBeUndefined();
  });

  it('when two readings are compared, then the mean is per write between them; without a write or a reading it is not measured', () => {
    const mean = meanWriteMs({ count: 25, seconds: 0.0125 }, { count: 45, seconds: 0.0225 });
    expect(mean.writes).toBe(20);
    expect(mean.meanMs).toBeCloseTo(0.5, 9);
    expect(meanWriteMs({ count: 25, seconds: 0.0125 }, { count: 25, seconds: 0.0125 })).toEqual({ writes: 0, meanMs: null });
    expect(meanWriteMs(null, { count: 45, seconds: 0.0225 })).toEqual({ writes: 0, meanMs: null });
  });
});
