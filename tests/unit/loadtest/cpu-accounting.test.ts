import { cpuBetween, processUsageUsec, sampleFromSections, sampleV1, sampleV2 } from '../../../loadtest/cpu-accounting';

describe('cgroup CPU accounting', () => {
  it('when cgroup v2 reports usage and a 0.2-core cpu.max, then the sample has both', () => {
    const s = sampleV2('usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 40\nnr_throttled 25\nthrottled_usec 9\n', '20000 100000\n');
    expect(s).toEqual({ usageUsec: 1_500_000, periods: 40, throttled: 25, quotaCores: 0.2 });
    expect(sampleV2('usage_usec 7\n', 'max 100000\n').quotaCores).toBeNull();
  });

  it('when cgroup v1 reports ns usage and quota -1, then usage is in µs and there is no quota', () => {
    expect(sampleV1('3207956946\n', 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n', '-1\n', '100000\n'))
      .toEqual({ usageUsec: 3_207_957, periods: 0, throttled: 0, quotaCores: null });
    expect(sampleV1('1000', 'nr_periods 10\nnr_throttled 6', '20000', '100000').quotaCores).toBeCloseTo(0.2);
  });

  it('when two samples 10 s apart differ by 2 CPU s and 60 of 100 periods throttled, then 0.2 cores and a 0.6 throttled share', () => {
    const before = { usageUsec: 1_000_000, periods: 100, throttled: 10, quotaCores: 0.2 };
    const after = { usageUsec: 3_000_000, periods: 200, throttled: 70, quotaCores: 0.2 };
    expect(cpuBetween(before, after, 10)).toEqual({ cpuSeconds: 2, cores: 0.2, periods: 100, throttled: 60, throttledShare: 0.6, quotaCores: 0.2 });
    expect(cpuBetween(before, { ...before }, 10).throttledShare).toBeNull();
  });

  it('when docker exec prints the v1 files (the v2 ones missing), then they are read as v1', () => {
    const out = '== /sys/fs/cgroup/cpu.stat\n== /sys/fs/cgroup/cpu.max\n== /sys/fs/cgroup/cpuacct/cpuacct.usage\n5000000\n'
      + '== /sys/fs/cgroup/cpu/cpu.stat\nnr_periods 3\nnr_throttled 1\n== /sys/fs/cgroup/cpu/cpu.cfs_quota_us\n50000\n== /sys/fs/cgroup/cpu/cpu.cfs_period_us\n100000\n';
    expect(sampleFromSections(out)).toEqual({ usageUsec: 5000, periods: 3, throttled: 1, quotaCores: 0.5 });
  });

  it('when docker exec prints only v2 files, then they are read as v2; with neither, it says so', () => {
    expect(sampleFromSections('== /sys/fs/cgroup/cpu.stat\nusage_usec 42\nnr_periods 0\nnr_throttled 0\n== /sys/fs/cgroup/cpu.max\nmax 100000\n').usageUsec).toBe(42);
    expect(() => sampleFromSections('== /sys/fs/cgroup/cpu.stat\n')).toThrow(/no cgroup cpu accounting/);
  });

  it('when a process name holds spaces and parentheses, then utime + stime are still fields 14 and 15', () => {
    const stat = '28154 (docker (proxy)) S 2770 28154 2770 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 0 0';
    expect(processUsageUsec(stat, 100)).toBe(3_000_000);
  });
});
