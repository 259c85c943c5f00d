import fs from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * User + system CPU time of a process and all its descendants (nginx's and HAProxy's workers,
 * a container entry's balancer), in microseconds, from /proc. Linux only; 0 for a process that is gone.
 */
export function cpuMicros(pid: number): number {
  const { user, system } = cpuSplitMicros(pid);
  return user + system;
}

/** The same, split: user time (the process's own code, its runtime, GC) and system time (the kernel's work for it: sockets, scheduling). */
export function cpuSplitMicros(pid: number): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is the state (field 3); utime and stime are fields 14 and 15.
      user += Number(fields[11]) * (1_000_000 / CLOCK_TICKS_PER_SECOND);
      system += Number(fields[12]) * (1_000_000 / CLOCK_TICKS_PER_SECOND);
    } catch {
      // the process went away between listing and reading
    }
  }
  return { user, system };
}

/** Whether this machine's /proc shows the process (a container's pid from another namespace may not be). */
export function processVisible(pid: number): boolean {
  return fs.existsSync(`/proc/${pid}/stat`);
}

function descendants(pid: number, depth = 0): number[] {
  if (depth > 4) return [];
  let children: number[] = [];
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      children = children.concat(fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    }
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child, depth + 1)]);
}
