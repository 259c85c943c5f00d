import { cpuQuota, effectiveCpuCount } from '../../../services/app/cpu-quota';
import { admissionDefaults } from '../../../services/app/config';

test('when cgroup v2 cpu.max says "max", then there is no quota and the host count stands', () => {
  expect(cpuQuota({ v2CpuMax: 'max 100000\n' })).toBeUndefined();
  expect(effectiveCpuCount(16, { v2CpuMax: 'max 100000\n' })).toBe(16);
});

test('when cgroup v2 cpu.max sets a quota, then the count is the quota rounded up, never above the host', () => {
  expect(cpuQuota({ v2CpuMax: '150000 100000\n' })).toBe(1.5);
  expect(effectiveCpuCount(16, { v2CpuMax: '150000 100000\n' })).toBe(2);
  expect(effectiveCpuCount(16, { v2CpuMax: '50000 100000' })).toBe(1);
  expect(effectiveCpuCount(2, { v2CpuMax: '800000 100000' })).toBe(2);
});

test('when only cgroup v1 files exist, then cfs_quota_us / cfs_period_us is the quota and -1 means none', () => {
  expect(effectiveCpuCount(8, { v1QuotaUs: '200000\n', v1PeriodUs: '100000\n' })).toBe(2);
  expect(effectiveCpuCount(8, { v1QuotaUs: '-1\n', v1PeriodUs: '100000\n' })).toBe(8);
  expect(effectiveCpuCount(8, { v1QuotaUs: '25000', v1PeriodUs: '50000' })).toBe(1);
});

test('when the files are absent or garbled, then the host count stands (and is at least 1)', () => {
  expect(effectiveCpuCount(4, {})).toBe(4);
  expect(effectiveCpuCount(4, { v2CpuMax: 'banana' })).toBe(4);
  expect(effectiveCpuCount(4, { v2CpuMax: '' })).toBe(4);
  expect(effectiveCpuCount(0, {})).toBe(1);
});

test('when admission defaults are derived, then half the CPUs hash (at least one) and 32 logins per slot may wait', () => {
  expect(admissionDefaults(1)).toEqual({ concurrency: 1, queueLimit: 32 });
  expect(admissionDefaults(2)).toEqual({ concurrency: 1, queueLimit: 32 });
  expect(admissionDefaults(8)).toEqual({ concurrency: 4, queueLimit: 128 });
});
