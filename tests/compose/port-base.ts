import { portInUse } from '../../cluster/probes';
import { PORT_OFFSETS } from '../../cluster/topology';

/**
 * A port base whose whole block (base..base+span, 20 by default; more with the latency injector) is free on 127.0.0.1. Drawn below the OS's
 * ephemeral range (32768+), where freePort() and outgoing connections take their ports, so a
 * cluster under test never races other engineers' tests for a port.
 */
export async function freePortBase(span: number = PORT_OFFSETS.redis): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 12_000 + Math.floor(Math.random() * 1_000) * 20;
    let free = true;
    for (let offset = 0; offset <= span && free; offset++) free = !(await portInUse(base + offset));
    if (free) return base;
  }
  throw new Error(`no free block of ${span + 1} ports found`);
}

/** Whether a process still exists (signal 0 checks without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
