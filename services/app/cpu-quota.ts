import fs from 'node:fs';
import os from 'node:os';

/** The cgroup files that can cap a container's CPU, as read (undefined: absent or unreadable). */
export interface CgroupCpuFiles {
  /** cgroup v2: /sys/fs/cgroup/cpu.max, "max 100000" or "150000 100000" (quota period, µs). */
  v2CpuMax?: string;
  /** cgroup v1: cpu.cfs_quota_us ("-1" = no quota) and cpu.cfs_period_us. */
  v1QuotaUs?: string;
  v1PeriodUs?: string;
}

/** CPUs the quota allows (fractional, e.g. 1.5), or undefined when no quota applies (pure). */
export function cpuQuota(files: CgroupCpuFiles): number | undefined {
  const v2 = files.v2CpuMax?.trim().split(/\s+/);
  if (v2 && v2.length >= 1 && v2[0] !== '') {
    if (v2[0] === 'max') return undefined;
    return ratio(v2[0], v2[1] ?? '100000');
  }
  if (files.v1QuotaUs !== undefined) return ratio(files.v1QuotaUs.trim(), (files.v1PeriodUs ?? '100000').trim());
  return undefined;
}

function ratio(quotaText: string, periodText: string): number | undefined {
  const quota = Number(quotaText);
  const period = Number(periodText);
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined;
  return quota / period;
}

/**
 * CPUs this process may use: the host's (or the affinity mask's) count, lowered by a cgroup quota,
 * rounded up so a 0.5-CPU container counts as 1 (pure). Node's os.availableParallelism() sees
 * the affinity mask but not the quota, so a `cpus: 1` container on a 16-core host reads 16.
 */
export function effectiveCpuCount(hostCpus: number, files: CgroupCpuFiles): number {
  const quota = cpuQuota(files);
  const host = Math.max(1, Math.floor(hostCpus));
  return quota === undefined ? host : Math.max(1, Math.min(host, Math.ceil(quota)));
}

function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The cgroup files of this process: v2 at the unified mount (a container sees its own cgroup
 * there), else v1's cpu controller. A nested v2 cgroup outside a container is not walked: the
 * host's own limit is the CPU count.
 */
export function readCgroupCpuFiles(root = '/sys/fs/cgroup'): CgroupCpuFiles {
  return {
    v2CpuMax: readOptional(`${root}/cpu.max`),
    v1QuotaUs: readOptional(`${root}/cpu/cpu.cfs_quota_us`) ?? readOptional(`${root}/cpu,cpuacct/cpu.cfs_quota_us`),
    v1PeriodUs: readOptional(`${root}/cpu/cpu.cfs_period_us`) ?? readOptional(`${root}/cpu,cpuacct/cpu.cfs_period_us`),
  };
}

/** This process's CPU count, quota included. */
export function availableCpus(): number {
  return effectiveCpuCount(os.availableParallelism(), readCgroupCpuFiles());
}
