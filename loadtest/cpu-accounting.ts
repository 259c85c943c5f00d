import { execFile } from 'node:child_process';
import fs from 'node:fs';

/**
 * CPU used by each part of a cluster, from the kernel's own accounting: a container's cgroup
 * (CPU time, CFS periods and how many were throttled, its quota), a host process's /proc stat
 * (docker's userland port proxy), and the bench's own process (the load generator).
 * Parsing is pure; reading prefers the host's cgroup files and falls back to `docker exec`.
 */
export interface CpuSample {
  /** CPU time used since the cgroup (or process) began, µs. */
  usageUsec: number;
  /** CFS enforcement periods elapsed and those in which the quota ran out (0 without a quota). */
  periods: number;
  throttled: number;
  /** The quota in cores, or null when there is none. */
  quotaCores: number | null;
}

export interface CpuUse {
  /** CPU seconds used between two samples. */
  cpuSeconds: number;
  /** Mean cores used over the wall-clock interval. */
  cores: number;
  periods: number;
  throttled: number;
  /** throttled / periods; null when no period elapsed (no quota). */
  throttledShare: number | null;
  quotaCores: number | null;
}

/** `key value` lines (cpu.stat in both cgroup versions) → numbers. */
export function parseKeyValues(text: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?\d+$/.test(value)) values[key] = Number(value);
  }
  return values;
}

/** cgroup v2: cpu.stat (usage_usec, nr_periods, nr_throttled) and cpu.max ("max 100000" or "20000 100000"). */
export function sampleV2(cpuStat: string, cpuMax: string | undefined): CpuSample {
  const stat = parseKeyValues(cpuStat);
  if (stat.usage_usec === undefined) throw new Error('cpu.stat has no usage_usec: not a cgroup v2 cpu controller');
  const [quota, period] = (cpuMax ?? 'max').trim().split(/\s+/);
  return {
    usageUsec: stat.usage_usec,
    periods: stat.nr_periods ?? 0,
    throttled: stat.nr_throttled ?? 0,
    quotaCores: quota === 'max' || !period ? null : Number(quota) / Number(period),
  };
}

/** cgroup v1: cpuacct.usage (ns), cpu.stat (nr_periods, nr_throttled), cpu.cfs_quota_us (-1 = none) and cpu.cfs_period_us. */
export function sampleV1(usageNs: string, cpuStat: string, quotaUs: string, periodUs: string): CpuSample {
  const usage = Number(usageNs.trim());
  if (!Number.isFinite(usage)) throw new Error(`cpuacct.usage is not a number: ${usageNs.slice(0, 40)}`);
  const stat = parseKeyValues(cpuStat);
  const quota = Number(quotaUs.trim());
  const period = Number(periodUs.trim());
  return {
    usageUsec: Math.round(usage / 1000),
    periods: stat.nr_periods ?? 0,
    throttled: stat.nr_throttled ?? 0,
    quotaCores: quota > 0 && period > 0 ? quota / period : null,
  };
}

/** /proc/<pid>/stat → CPU µs (utime + stime, fields 14 and 15, after the parenthesised name). */
export function processUsageUsec(procStat: string, ticksPerSecond = 100): number {
  const fields = procStat.slice(procStat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

export function cpuBetween(before: CpuSample, after: CpuSample, wallSeconds: number): CpuUse {
  const cpuSeconds = Math.max(0, after.usageUsec - before.usageUsec) / 1e6;
  const periods = Math.max(0, after.periods - before.periods);
  const throttled = Math.max(0, after.throttled - before.throttled);
  return {
    cpuSeconds,
    cores: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0,
    periods,
    throttled,
    throttledShare: periods > 0 ? throttled / periods : null,
    quotaCores: after.quotaCores,
  };
}

/** Reads one container's CPU sample. */
export type CpuSource = () => Promise<CpuSample>;

const V1_FILES = ['cpuacct.usage', 'cpu.stat', 'cpu.cfs_quota_us', 'cpu.cfs_period_us'] as const;

/** Where the host keeps a container's cgroup, for the cgroupfs and systemd drivers, v2 then v1. */
export function hostCgroupDirs(containerId: string, root = '/sys/fs/cgroup'): { version: 1 | 2; dirs: Record<string, string> }[] {
  const v1 = (leaf: string): { version: 1; dirs: Record<string, string> } => ({
    version: 1,
    dirs: { cpuacct: `${root}/cpuacct/${leaf}`, cpu: `${root}/cpu/${leaf}` },
  });
  return [
    { version: 2, dirs: { cpu: `${root}/system.slice/docker-${containerId}.scope` } },
    { version: 2, dirs: { cpu: `${root}/docker/${containerId}` } },
    v1(`docker/${containerId}`),
    v1(`system.slice/docker-${containerId}.scope`),
  ];
}

const readText = (file: string): string => fs.readFileSync(file, 'utf8');

/** A source reading the host's cgroup files, or undefined when this host cannot see them. */
export function hostCgroupSource(containerId: string, root = '/sys/fs/cgroup'): CpuSource | undefined {
  for (const candidate of hostCgroupDirs(containerId, root)) {
    if (candidate.version === 2 && fs.existsSync(`${candidate.dirs.cpu}/cpu.stat`) && parseKeyValues(readText(`${candidate.dirs.cpu}/cpu.stat`)).usage_usec !== undefined) {
      const dir = candidate.dirs.cpu;
      return async () => sampleV2(readText(`${dir}/cpu.stat`), fs.existsSync(`${dir}/cpu.max`) ? readText(`${dir}/cpu.max`) : undefined);
    }
    if (candidate.version === 1 && fs.existsSync(`${candidate.dirs.cpuacct}/cpuacct.usage`) && fs.existsSync(`${candidate.dirs.cpu}/cpu.stat`)) {
      const { cpu, cpuacct } = candidate.dirs;
      return async () => sampleV1(
        readText(`${cpuacct}/cpuacct.usage`), readText(`${cpu}/cpu.stat`), readText(`${cpu}/cpu.cfs_quota_us`), readText(`${cpu}/cpu.cfs_period_us`),
      );
    }
  }
  return undefined;
}

/** The files a container sees as its own cgroup, printed in one `docker exec` (either version). */
const EXEC_SCRIPT = [
  'for f in /sys/fs/cgroup/cpu.stat /sys/fs/cgroup/cpu.max',
  ...V1_FILES.map((name) => `/sys/fs/cgroup/${name.startsWith('cpuacct') ? 'cpuacct' : 'cpu'}/${name}`),
].join(' ') + '; do echo "== $f"; cat "$f" 2>/dev/null; done';

/** `== path` sections of the exec script's output → a sample (pure). */
export function sampleFromSections(output: string): CpuSample {
  const sections: Record<string, string> = {};
  for (const part of output.split(/^== /m).slice(1)) {
    const newline = part.indexOf('\n');
    const file = (newline < 0 ? part : part.slice(0, newline)).trim();
    sections[file.slice(file.lastIndexOf('/') + 1)] = newline < 0 ? '' : part.slice(newline + 1);
  }
  if (sections['cpuacct.usage']?.trim()) {
    return sampleV1(sections['cpuacct.usage'], sections['cpu.stat'] ?? '', sections['cpu.cfs_quota_us'] ?? '-1', sections['cpu.cfs_period_us'] ?? '100000');
  }
  if (sections['cpu.stat']?.trim()) return sampleV2(sections['cpu.stat'], sections['cpu.max']);
  throw new Error('the container shows no cgroup cpu accounting');
}

/** A source through `docker exec` (the engine on another host or in a VM, where its cgroups are not visible here). */
export function execCgroupSource(containerId: string, docker = 'docker'): CpuSource {
  return () => new Promise((resolve, reject) => {
    execFile(docker, ['exec', containerId, 'sh', '-c', EXEC_SCRIPT], { timeout: 15_000 }, (error, stdout) => {
      if (error) return reject(new Error(`docker exec ${containerId.slice(0, 12)} could not read its cgroup: ${error.message}`));
      try {
        resolve(sampleFromSections(stdout));
      } catch (parseError) {
        reject(parseError as Error);
      }
    });
  });
}

/** The host's cgroup files when visible, else docker exec. */
export function containerCpuSource(containerId: string): { source: CpuSource; via: 'host cgroup' | 'docker exec' } {
  const host = hostCgroupSource(containerId);
  return host ? { source: host, via: 'host cgroup' } : { source: execCgroupSource(containerId), via: 'docker exec' };
}

/** Host processes (e.g. docker-proxy for a published port) summed; undefined when none is visible here. */
export function hostProcessesSource(pids: readonly number[]): CpuSource | undefined {
  const visible = pids.filter((pid) => fs.existsSync(`/proc/${pid}/stat`));
  if (visible.length === 0) return undefined;
  return async () => ({
    usageUsec: visible.reduce((sum, pid) => sum + (fs.existsSync(`/proc/${pid}/stat`) ? processUsageUsec(readText(`/proc/${pid}/stat`)) : 0), 0),
    periods: 0,
    throttled: 0,
    quotaCores: null,
  });
}

/** docker-proxy processes forwarding the given host ports (the userland proxy behind a published port). */
export function dockerProxyPids(hostPorts: readonly number[]): number[] {
  const pids: number[] = [];
  for (const entry of fs.existsSync('/proc') ? fs.readdirSync('/proc') : []) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readText(`/proc/${entry}/cmdline`).split('\0');
    } catch {
      continue;
    }
    if (!args[0]?.endsWith('docker-proxy')) continue;
    const port = Number(args[args.indexOf('-host-port') + 1]);
    if (hostPorts.includes(port)) pids.push(Number(entry));
  }
  return pids;
}

/** This process (the load generator): getrusage, the same kernel accounting as a cgroup's. */
export const ownProcessSource: CpuSource = async () => {
  const usage = process.cpuUsage();
  return { usageUsec: usage.user + usage.system, periods: 0, throttled: 0, quotaCores: null };
};
